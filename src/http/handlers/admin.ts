// What the /admin/users routes do: end every session of another user, or disable the user (scope admin/users).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../signin/admin-service';
import { parseInput } from '../validate';
import { username } from './fields';

const userParams = z.object({ username });

/** The handlers of the admin routes, over `admin`; their guards are in the route table (src/http/routes.ts). */
export function adminHandlers(admin: AdminService) {
  return {
    logoutAll: (async (req, res) => {
      await admin.logoutAll(parseInput(userParams, req.params).username);
      res.status(204).end();
    }) satisfies RequestHandler,

    disable: (async (req, res) => {
      await admin.disable(parseInput(userParams, req.params).username);
      res.status(204).end();
    }) satisfies RequestHandler,
  };
}
