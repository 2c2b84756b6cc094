// Package redirecturi validates registered redirect URIs and matches
// requested ones against them: byte-exact string comparison, with the one
// exception RFC 8252 §7.3 allows native apps (any port on a loopback IP
// literal).
package redirecturi
