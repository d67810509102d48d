/**
 * A reply's id on the wire (`message_id` of its Emails entry, `GET …/Emails/{id}`): `r` followed by
 * a decimal id (`r1234567890123456789`). A mail's message_id is 64 lowercase hex characters, so
 * the two never collide, and `r` sorts after every hex character (the Emails list's tie-break).
 */
export const REPLY_ID_PREFIX = 'r';
export const REPLY_ID = /^r\d{1,19}$/;

export function isReplyId(id: string): boolean {
  return REPLY_ID.test(id);
}
