// Swagger UI plugin served at /docs/session-plugin.js: the Authorize dialog's Logout ends the session on the server.
//
// Swagger UI's own Logout only forgets the token in the page. This plugin wraps the auth `logout` action (every
// Logout button ends there, through `logoutWithPersistOption`): it first calls POST /auth/logout with the scheme's
// access token, and the refresh token where Swagger UI holds one, and forgets the token only when the server has
// ended the session (204) or already refuses the token (401). Any other answer keeps the scheme authorized and shows
// the error in the dialog, so the person can retry; nothing stays alive without the person knowing. For a scheme
// signed in on the hosted UI (the code flow), the browser then goes to the hosted UI's /logout, which ends its
// session cookie too and comes back to this page.
//
// swagger-ui-express builds Swagger UI in `window.onload` from a fixed plugin list. This script, loaded through its
// `customJs` option after swagger-ui-init.js and so before `load`, adds the plugin to that list by wrapping the
// SwaggerUIBundle constructor. Plain browser JavaScript: the content security policy allows scripts from 'self' only.
(() => {
  'use strict';

  /** The access and refresh tokens Swagger UI holds for one scheme (http bearer: the pasted token; oauth2: the token response). */
  function tokensOf(authorized) {
    const auth = authorized && authorized.toJS ? authorized.toJS() : authorized;
    if (!auth) return undefined;
    if (typeof auth.value === 'string') return { access: auth.value };
    const token = auth.token || {};
    return token.access_token ? { access: token.access_token, refresh: token.refresh_token } : undefined;
  }

  /**
   * The hosted UI's own logout, for a scheme signed in there (the code flow): its session cookie would sign the person
   * straight back in on the next Authorize. `<domain>/logout?client_id=…&logout_uri=<this page>`, the domain that of
   * the scheme's authorization URL; undefined for any other scheme.
   */
  function hostedUiLogout(auth) {
    const schema = (auth && auth.schema) || {};
    const codeFlow = schema.flow === 'authorizationCode' || schema.flow === 'accessCode';
    if (!codeFlow || !schema.authorizationUrl || !auth.clientId) return undefined;
    const url = new URL(schema.authorizationUrl, window.location.href);
    url.pathname = url.pathname.replace(/\/oauth2\/authorize$/, '/logout');
    url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: `${window.location.origin}${window.location.pathname}` }).toString();
    return url.href;
  }

  /** POST /auth/logout on the server Swagger UI calls for Try it out. */
  function logoutUrl(system) {
    const server = (system.oas3Selectors && system.oas3Selectors.selectedServer()) || '/';
    const base = new URL(server, window.location.href).href;
    return new URL('auth/logout', base.endsWith('/') ? base : `${base}/`).href;
  }

  /** Ends one scheme's session on the server; tells whether to forget the token and what to show. */
  async function endSession(system, tokens) {
    if (!tokens) return { forget: true };
    let response;
    try {
      response = await fetch(logoutUrl(system), {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokens.access}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(tokens.refresh ? { refresh_token: tokens.refresh } : {}),
      });
    } catch {
      return { forget: false, level: 'error', message: 'Logout failed: the server could not be reached. You are still signed in; click Logout again.' };
    }
    if (response.status === 204) {
      return { forget: true, level: 'info', message: 'Logged out: the session ended on the server, and this token no longer works.' };
    }
    if (response.status === 401) {
      return { forget: true, level: 'info', message: 'The server already refused this token; it is forgotten.' };
    }
    const body = await response.json().catch(() => ({}));
    const reason = body.error_description || response.statusText || 'no reason given';
    return { forget: false, level: 'error', message: `Logout failed (HTTP ${response.status}): ${reason} You are still signed in; click Logout again.` };
  }

  function SessionPlugin(system) {
    const React = system.React;
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            logout: (forget) => (names) => {
              const schemes = [].concat(names || []);
              const authorized = system.authSelectors.authorized();
              for (const name of schemes) {
                const auth = authorized.get(name);
                const signOut = hostedUiLogout(auth && auth.toJS ? auth.toJS() : auth);
                void endSession(system, tokensOf(auth)).then((outcome) => {
                  if (outcome.forget) {
                    forget([name]);
                    system.authActions.persistAuthorizationIfNeeded();
                    // Then the hosted UI's session, which comes back to this page.
                    if (signOut) window.location.assign(signOut);
                  }
                  if (outcome.message) {
                    system.errActions.newAuthErr({ authId: name, source: 'auth', level: outcome.level, message: outcome.message });
                  }
                });
              }
            },
          },
          wrapSelectors: {
            // `security: [..., {}]` marks a route that works with or without a token (the MFA routes). Swagger UI
            // counts the empty requirement as met and shows a closed padlock while nothing is authorized.
            isAuthorized: (isAuthorized) => (_state, security) =>
              isAuthorized(security && security.filter ? security.filter((requirement) => requirement.size > 0) : security),
          },
        },
      },
      wrapComponents: {
        // A success notice is not an error: shown in the dialog's place for errors, but styled as a notice.
        authError: (Original) => (props) =>
          props.error.get('level') === 'info'
            ? React.createElement('div', { className: 'session-notice', role: 'status' }, props.error.get('message'))
            : React.createElement(Original, props),
        // The bearer field's autofocus scrolls the dialog to the bottom; open it at the top, on the password flow.
        authorizationPopup: (Original) =>
          class AuthorizationPopupAtTop extends React.Component {
            componentDidMount() {
              const content = document.querySelector('.modal-ux-content');
              if (content) content.scrollTop = 0;
              const username = document.getElementById('oauth_username');
              if (username) username.focus({ preventScroll: true });
            }

            render() {
              return React.createElement(Original, this.props);
            }
          },
      },
    };
  }

  const Bundle = window.SwaggerUIBundle;
  window.SwaggerUIBundle = Object.assign(
    (options) => Bundle({ ...options, plugins: [...(options.plugins || []), SessionPlugin] }),
    Bundle,
  );
})();
