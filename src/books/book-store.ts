// The example resource's storage: an in-process list of books, enough to show scope checks.
import { randomUUID } from 'node:crypto';

/** A book of the example resource. */
export interface Book {
  /** Generated id. */
  id: string;
  /** Title. */
  title: string;
  /** Author. */
  author: string;
}

/** Books in memory, per app instance. */
export class BookStore {
  private readonly books = new Map<string, Book>();

  /** All books, oldest first. */
  list(): Book[] {
    return [...this.books.values()];
  }

  /** Adds a book and returns it with its id. */
  add(input: { title: string; author: string }): Book {
    const book = { id: randomUUID(), title: input.title, author: input.author };
    this.books.set(book.id, book);
    return book;
  }

  /** Removes a book; false when there was none with that id. */
  remove(id: string): boolean {
    return this.books.delete(id);
  }
}
