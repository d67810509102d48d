import { Type } from 'typebox';
import { ERRORS, QueryValue } from './common.js';

/** Zoho's accounts-server token endpoint (docs/zoho-contract.md §14). */
const tags = ['OAuth'];

const TOKEN_FIELDS = {
  grant_type: QueryValue('`authorization_code`, `refresh_token` or `client_credentials`'),
  client_id: QueryValue('The client id (`mailroom client create`)'),
  client_secret: QueryValue('The client secret'),
  code: QueryValue('A grant code (`mailroom grant create`), for `authorization_code`'),
  redirect_uri: QueryValue("The client's redirect URI, for `authorization_code`"),
  refresh_token: QueryValue('For `refresh_token`'),
  scope: QueryValue('Space- or comma-separated scopes, for `client_credentials`'),
  soid: QueryValue('`ZohoCRM.<org id>`, for `client_credentials` (optional)'),
};

/**
 * The form fields of both form encodings. No `type`: an empty form leaves no body, and the fields
 * are read from the body first, then from the query string.
 */
const TokenForm = Type.Unsafe<unknown>({ properties: TOKEN_FIELDS, description: 'The fields, as a form (Zoho\'s SDK sends multipart/form-data)' });

const OAuthError = Type.Object(
  { error: Type.String({ description: '`invalid_request`, `invalid_client`, `invalid_client_secret`, `invalid_code`, `invalid_scope`, `unsupported_grant_type`' }) },
  { additionalProperties: false, description: 'Refused, answered with HTTP 200 as Zoho does' },
);

export const token = {
  summary: 'Exchange a grant code, refresh token or client credentials for an access token',
  tags,
  querystring: Type.Partial(Type.Object(TOKEN_FIELDS)),
  body: { content: { 'application/x-www-form-urlencoded': { schema: TokenForm }, 'multipart/form-data': { schema: TokenForm } } },
  response: {
    200: Type.Union(
      [
        Type.Object(
          {
            access_token: Type.String(),
            refresh_token: Type.Optional(Type.String()),
            scope: Type.String(),
            api_domain: Type.String(),
            token_type: Type.Literal('Bearer'),
            expires_in: Type.Integer(),
          },
          { additionalProperties: false },
        ),
        OAuthError,
      ],
      { description: 'Tokens, or an OAuth error (HTTP 200 either way)' },
    ),
    ...ERRORS,
  },
};

const RevokeForm = Type.Unsafe<unknown>({ properties: { token: QueryValue('A refresh or access token') }, description: 'The token, as a form' });

export const revoke = {
  summary: 'Revoke a refresh token (with its access tokens) or an access token',
  tags,
  querystring: Type.Object({ token: Type.Optional(QueryValue('A refresh or access token')) }),
  body: { content: { 'application/x-www-form-urlencoded': { schema: RevokeForm }, 'multipart/form-data': { schema: RevokeForm } } },
  response: {
    200: Type.Union([Type.Object({ status: Type.Literal('success') }, { additionalProperties: false }), Type.Object({ error: Type.Literal('invalid_token') }, { additionalProperties: false })], {
      description: 'Revoked, or not a live token',
    }),
    ...ERRORS,
  },
};
