// The user pool's shape that the service and its local stack share: the scopes the API knows and the groups that
// grant them. One source, so the routes, the metadata, `npm run dev`'s pool and the docs cannot drift.

/** The scopes of the API's resource server, as the routes require them. */
export const SCOPES = {
  /** Read the example resource, `GET /books`. */
  booksRead: 'books/read',
  /** Change the example resource, `POST /books`, `DELETE /books/{id}`. */
  booksWrite: 'books/write',
  /** End another user's sessions or disable the user, `POST /admin/users/{username}/…`. */
  adminUsers: 'admin/users',
  /** Call `POST /auth/introspect` with a Bearer token (the default INTROSPECTION_SCOPE). */
  authIntrospect: 'auth/introspect',
} as const;

/** The groups of the pool and the scopes each grants: the value of GROUP_SCOPES where the pool is this one. */
export const GROUPS: Readonly<Record<string, readonly string[]>> = {
  readers: [SCOPES.booksRead],
  editors: [SCOPES.booksRead, SCOPES.booksWrite],
  admins: [SCOPES.adminUsers],
};
