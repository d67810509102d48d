import { Type } from 'typebox';
import { MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD } from '../../files/upload-files.js';
import { Bytes, ERRORS, NoContent, QueryValue, VersionParams } from './common.js';

/** Files (Zoho's ZFS, docs/zoho-contract.md §9): upload, download, inline images. */
const tags = ['Files'];

export const uploadFiles = {
  summary: 'Upload files (attachments and inline images of mails)',
  tags,
  params: VersionParams,
  querystring: Type.Object({ type: Type.Optional(QueryValue('`inline` for an image shown inside a mail')) }),
  // Only documents the parts: the multipart body is read by the route (request.body stays empty),
  // so the schema has no `type` and holds for it.
  body: {
    content: {
      'multipart/form-data': {
        schema: Type.Unsafe<unknown>({
          description: `One to ${MAX_FILES_PER_UPLOAD} parts named \`file\`, each at most ${MAX_FILE_BYTES / 1024 / 1024} MB; other parts are ignored`,
          properties: { file: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        }),
      },
    },
  },
  response: {
    200: Type.Object(
      {
        data: Type.Array(
          Type.Object(
            {
              code: Type.Literal('SUCCESS'),
              details: Type.Object({ name: Type.String(), id: Type.String() }, { additionalProperties: false }),
              message: Type.String(),
              status: Type.Literal('success'),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { description: 'One entry per file: its id is what send_mail `attachments` and inline images name' },
    ),
    ...ERRORS,
  },
};

export const downloadFile = {
  summary: 'Download a file',
  tags,
  params: VersionParams,
  querystring: Type.Object({ id: Type.Optional(QueryValue('The file id from the upload')) }),
  response: { 200: Bytes('The file, as an attachment', 'application/x-download'), 204: NoContent('No such file'), ...ERRORS },
};

export const inlineImage = {
  summary: 'An inline image of a mail (no token: the id is the credential, as in Zoho)',
  tags,
  querystring: Type.Object({ fileContent: Type.Optional(QueryValue('The id of a file uploaded with `type=inline`')) }),
  response: { 200: Bytes('The image, with its own content type', 'image/*'), 204: NoContent('No such image'), ...ERRORS },
};
