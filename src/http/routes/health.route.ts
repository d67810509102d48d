import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../db/availability.js';
import { dialectOf, pingDatabase } from '../../db/database.js';
import { AppError } from '../../errors.js';
import * as schemas from '../schemas/health.js';

/** `GET /health`: 200 once the database answers; 503 otherwise. No authentication. */
export const healthRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/health', { schema: schemas.health }, async () => {
      try {
        await pingDatabase(ctx.db);
      } catch (error) {
        throw new AppError('SERVICE_UNAVAILABLE', { cause: error, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
      }
      return { status: 'ok', database: dialectOf(ctx.db) };
    });
  };
