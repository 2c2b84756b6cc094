// Package experience serves the hosted sign-in experience: the sign-in,
// create-account and consent pages an authorization request sends the user
// through. Every form is protected twice against cross-site submission (an
// Origin/Sec-Fetch-Site check and an HMAC token bound to a cookie), and
// failed sign-ins are throttled per account and per IP in the database so
// the limits hold across replicas.
package experience
