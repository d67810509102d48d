// The bare-Fastify baseline: one POST route on send_mail's URL that parses the same JSON body and
// answers a Zoho-shaped success envelope of the same size. No logger, no database, no auth.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { serve, emit, cpuMicros } from './ipc.mjs';

const fastify = Fastify({ logger: false });
fastify.post('/crm/:version/:module/:id/actions/send_mail', async (request) => {
  const items = Array.isArray(request.body?.data) ? request.body.data : [];
  return {
    data: items.map(() => ({
      code: 'SUCCESS',
      details: { message_id: randomBytes(32).toString('hex') },
      message: 'Your mail has been sent successfully.',
      status: 'success',
    })),
  };
});
await fastify.listen({ port: 0, host: '127.0.0.1' });

serve({
  cpu: () => cpuMicros(),
  close: async () => {
    await fastify.close();
    return true;
  },
});
emit('ready', { port: fastify.server.address().port });
