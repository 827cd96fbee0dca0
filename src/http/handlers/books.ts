// What the /books routes do: the example resource (its scopes are in the route table, src/http/routes.ts).
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BookStore } from '../../books/book-store';
import { NotFoundError } from '../../errors';
import { parseInput } from '../validate';

const bookBody = z.object({
  title: z.string({ message: 'required' }).trim().min(1, 'required').max(200),
  author: z.string({ message: 'required' }).trim().min(1, 'required').max(200),
});

/** The handlers of the /books routes, over `books`. */
export function bookHandlers(books: BookStore) {
  return {
    list: ((_req, res) => {
      res.json(books.list());
    }) satisfies RequestHandler,

    add: ((req, res) => {
      res.status(201).json(books.add(parseInput(bookBody, req.body)));
    }) satisfies RequestHandler,

    remove: ((req, res) => {
      if (!books.remove(String(req.params.id))) throw new NotFoundError('No book with that id.');
      res.status(204).end();
    }) satisfies RequestHandler,
  };
}
