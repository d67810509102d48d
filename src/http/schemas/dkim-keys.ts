import { Type } from 'typebox';
import { ActionResults, ERRORS, JsonBody, OpenObject, PathSegment, VersionParams } from './common.js';

const tags = ['Org and settings'];
const Key = OpenObject(
  {
    id: Type.String(),
    domain: Type.String(),
    selector: Type.String(),
    algorithm: Type.Union([Type.Literal('rsa-sha256'), Type.Literal('ed25519-sha256')]),
    created_time: Type.String(),
    dns: Type.Object({ name: Type.String(), type: Type.Literal('TXT'), value: Type.String() }, { description: 'The TXT record to publish' }),
  },
  'A DKIM key (never its private key)',
);
const Body = JsonBody(
  '`{"dkim_keys": [{"domain": "example.com", "selector": "s1", "algorithm": "rsa-2048"}]}`: one item; `selector` (default `mr<yyyymmdd>`) and `algorithm` (`rsa-2048`, the default, or `ed25519`) optional',
  { dkim_keys: [{ domain: 'example.com', algorithm: 'rsa-2048' }] },
);

export const listDkimKeys = {
  summary: "The org's DKIM keys with the DNS records to publish (beyond Zoho; Administrators)",
  tags,
  params: VersionParams,
  response: { 200: Type.Object({ dkim_keys: Type.Array(Key) }, { description: 'Every key of the org, by domain' }), ...ERRORS },
};

export const createDkimKey = {
  summary: 'Make a DKIM key for a From domain; the answer holds the DNS record to publish (beyond Zoho; Administrators)',
  tags,
  params: VersionParams,
  body: Body,
  response: { 201: ActionResults('dkim_keys', 'Created: `details` is the key with its DNS record'), ...ERRORS },
};

export const rotateDkimKeys = {
  summary: "Add a key beside the domain's current ones: both sign until the old one is deleted (beyond Zoho; Administrators)",
  tags,
  params: VersionParams,
  body: Body,
  response: { 201: ActionResults('dkim_keys', 'Created: `details` is the new key and `signing` the selectors that sign from now on'), ...ERRORS },
};

export const deleteDkimKey = {
  summary: 'Stop signing with a DKIM key and forget it (beyond Zoho; Administrators)',
  tags,
  params: Type.Object({ version: VersionParams.properties.version, id: PathSegment('The key id') }),
  response: { 200: ActionResults('dkim_keys', 'Deleted'), ...ERRORS },
};
