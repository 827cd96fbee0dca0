// The /books routes and the scopes they need: books/write to add and delete (403 naming the scope without it), the
// fields a book needs, and no scope for a group GROUP_SCOPES does not map.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
let api: TestApp;

beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(() => fleet.close());

describe('GET, POST and DELETE /books', () => {
  it('refuses books/write to a reader with 403 insufficient_scope naming the scope', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await request(api.app)
      .post('/books')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ title: 'Dune', author: 'Frank Herbert' });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'insufficient_scope', error_description: 'This call needs the scope(s): books/write.' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="This call needs the scope(s): books/write.", scope="books/write"',
    );
  });

  it('lets an editor add, list and delete books', async () => {
    const tokens = await login(api.app, users.editor);
    const auth = `Bearer ${tokens.access_token}`;
    const created = await request(api.app).post('/books').set('Authorization', auth).send({ title: 'Dune', author: 'Frank Herbert' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), title: 'Dune', author: 'Frank Herbert' });
    const list = await request(api.app).get('/books').set('Authorization', auth);
    expect(list.body).toContainEqual(created.body);
    const deleted = await request(api.app).delete(`/books/${created.body.id}`).set('Authorization', auth);
    expect(deleted.status).toBe(204);
    const gone = await request(api.app).delete(`/books/${created.body.id}`).set('Authorization', auth);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('not_found');
  });

  it('names the missing book fields in a 400', async () => {
    const tokens = await login(api.app, users.editor);
    const response = await request(api.app).post('/books').set('Authorization', `Bearer ${tokens.access_token}`).send({ title: ' ' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([
      { path: 'title', message: 'required' },
      { path: 'author', message: 'required' },
    ]);
  });

  it('gives no scopes for groups GROUP_SCOPES does not map', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId, { 'cognito:groups': ['strangers'], sub: randomUUID() });
    const response = await request(api.app).get('/books').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('insufficient_scope');
  });
});
