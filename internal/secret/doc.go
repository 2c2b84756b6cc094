// Package secret derives purpose-bound keys from the server's master secret
// and seals data at rest with them (AES-256-GCM).
package secret
