// /books: the example resource; reading needs books/read, writing books/write.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { BookStore } from '../../books/book-store';
import { NotFoundError } from '../../errors';
import type { RequireScopes } from '../auth-middleware';
import { requireMediaType } from '../media-type';
import { parseInput } from '../validate';

const bookBody = z.object({
  title: z.string({ message: 'required' }).trim().min(1, 'required').max(200),
  author: z.string({ message: 'required' }).trim().min(1, 'required').max(200),
});

/** Builds the /books router; `auth` is the Bearer middleware every route runs first, then `requireScopes`. */
export function bookRoutes(books: BookStore, auth: RequestHandler, requireScopes: RequireScopes): Router {
  const router = Router();

  router.get('/', auth, requireScopes('books/read'), (_req, res) => {
    res.json(books.list());
  });

  router.post('/', auth, requireScopes('books/write'), requireMediaType('application/json'), (req, res) => {
    res.status(201).json(books.add(parseInput(bookBody, req.body)));
  });

  router.delete('/:id', auth, requireScopes('books/write'), (req, res) => {
    if (!books.remove(String(req.params.id))) throw new NotFoundError('No book with that id.');
    res.status(204).end();
  });

  return router;
}
