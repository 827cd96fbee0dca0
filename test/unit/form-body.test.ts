// The form reader's parsing: the URL Standard's form parsing, whichever of its two ways a body takes.
import { parseForm } from '../../src/http/form-body';
import { InvalidRequestError } from '../../src/errors';

/** What URLSearchParams, the platform's implementation of the standard, makes of `text`, as an object. */
const standard = (text: string) => Object.fromEntries(new URLSearchParams(text));

describe('parseForm', () => {
  it('splits a body with nothing to decode exactly as URLSearchParams does', () => {
    const bodies = [
      'token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln&token_type_hint=access_token',
      'a=1&&b=2&',
      '&a=',
      'a',
      'a=b=c',
      '=x',
      'name=réader&émoji=🔑',
      '',
    ];
    for (const body of bodies) expect(parseForm(body, 20)).toEqual(standard(body));
  });

  it('decodes `+` and percent-escapes as URLSearchParams does, malformed escapes left as they are', () => {
    expect(parseForm('token=a+b%2Bc%20d&hint=%zz%E9', 20)).toEqual({ token: 'a b+c d', hint: '%zz\uFFFD' });
    expect(parseForm('r%C3%A9ader=1', 20)).toEqual({ réader: '1' });
  });

  it('keeps a leading `?` part of the first name, both ways: a form is not a URL query', () => {
    expect(parseForm('?token=a', 20)).toEqual({ '?token': 'a' });
    expect(parseForm('?token=a%20b', 20)).toEqual({ '?token': 'a b' });
  });

  it('refuses a parameter sent twice, even when one of them is escaped', () => {
    expect(() => parseForm('token=a&token=b', 20)).toThrow(new InvalidRequestError('A form parameter is sent more than once.'));
    expect(() => parseForm('token=a&tok%65n=b', 20)).toThrow('A form parameter is sent more than once.');
  });

  it('refuses more parameters than allowed, and counts empty sequences as none', () => {
    expect(() => parseForm('a=1&b=2&c=3', 2)).toThrow('The form has more than 2 parameters.');
    expect(parseForm('a=1&&&b=2', 2)).toEqual({ a: '1', b: '2' });
  });

  it('keeps __proto__ an own field, never the prototype', () => {
    const form = parseForm('__proto__=x&constructor=y', 20);
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype);
    expect(Object.keys(form)).toEqual(['__proto__', 'constructor']);
    expect(form.__proto__).toBe('x');
  });
});
