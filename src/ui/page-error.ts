/** Thrown to answer with an HTML error page of a given status (the UI's routes render it). */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly text: string,
  ) {
    super(title);
  }
}

export const notFound = (): PageError => new PageError(404, 'Not found', 'There is no such page or record in your organisation.');
