// Package app is Sesame's composition root: it builds every component from
// the configuration and is the one place that lists every endpoint family
// mounted on the server.
package app
