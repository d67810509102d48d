import { Type } from 'typebox';

export const metrics = {
  summary: 'Prometheus metrics of this process',
  description:
    'Text exposition format (prom-client): HTTP requests by route template, mails accepted and refused by code, recipient outcomes, SMTP transaction latency and errors per destination, claims, queue depth and age per lane, expired leases, inbound and webhook backlogs, process metrics. With METRICS_TOKEN set, only `Authorization: Bearer <token>`; otherwise 401.',
  tags: ['Service'],
  response: {
    200: Type.String({ description: 'Prometheus text format' }),
    401: Type.String({ description: 'METRICS_TOKEN is set and the request did not carry it' }),
  },
};
