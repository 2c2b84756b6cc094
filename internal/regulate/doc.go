// Package regulate decides whether an action may happen now, by rules
// like "5 code mails per address per hour": throttling as a domain of its
// own, so every front end counts the same way. Counts live in the
// database (store.Throttle, fixed windows), so every replica sees them and
// a limit holds across a fleet.
package regulate
