import { Type } from 'typebox';
import { ERRORS } from './common.js';

export const health = {
  summary: 'Whether the server and its database answer (no authentication)',
  tags: ['Service'],
  response: {
    200: Type.Object({ status: Type.Literal('ok'), database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]) }, { additionalProperties: false, description: 'Up' }),
    ...ERRORS,
  },
};
