// Package session manages the browser's SSO session: one random cookie per
// browser whose SHA-256 keys a session row, so every replica sees sign-ins
// and sign-outs at once and a database leak yields no usable cookie. It also
// binds pending authorization requests (interactions) to the browser that
// started them.
package session
