import type { ParseArgsConfig } from 'node:util';
import type { App } from '../app.js';
import { AppError } from '../errors.js';
import { findFirstOrg, findOrg, type OrgRow } from '../orgs/org-repository.js';

/** What every `mailroom` command is made of (src/cli/commands.ts lists them; main.ts runs them). */
export class UsageError extends Error {}
/** The command could not do what it was asked, for the reason in its message (exit 1). */
export class CommandFailed extends Error {}

export type CommandOutput = Record<string, unknown>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export type Command = {
  name: string[];
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names of the positional arguments the command takes, in order (`webhook update ID` → `['endpoint']`); none by default. */
  positionals?: readonly string[];
  run(app: App, values: Values): Promise<CommandOutput>;
};

/** A string option's value, if given. */
export const str = (values: Values, key: string): string | undefined => {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
};

/** A string option that must be given (not blank): UsageError otherwise. */
export const required = (values: Values, key: string): string => {
  const value = str(values, key);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${key} is required`);
  return value;
};

/** `--org ID`, or the first org when there is exactly one obvious choice. */
export async function resolveOrg(app: App, values: Values): Promise<OrgRow> {
  const id = str(values, 'org') ?? str(values, 'id');
  const org = id ? await findOrg(app.db, id) : await findFirstOrg(app.db);
  if (!org) throw new AppError('NOT_FOUND', { details: { api_name: 'org', id: id ?? null } });
  return org;
}
