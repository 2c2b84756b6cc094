// Package mail renders the transactional emails (sign-in, registration and
// reset codes) in the recipient's language and delivers them over SMTP or,
// for development and tests, as .eml files in a directory.
//
// Callers build a Message (recipient, language, template name, data) and
// hand it to a Sender; links in a mail are built only from the configured
// endpoint, never from a request (docs/security.md, UI-11).
//
// When Send fails (the server is down, slow or refuses), callers show the
// form again with ui.M("mail.send_failed"), "try again", and log nothing
// more: Send has logged the template, a masked address and the error.
package mail
