// Package i18n holds the message catalogues of every page and message
// Sesame shows to people, and picks the language to show them in.
//
// The catalogues are JSON files, web/i18n/<lang>/<file>.json, each a flat
// object of dotted keys ("reset.code.heading") to texts with {name}
// placeholders. All files of one language form one table, so each part of
// the product keeps its own file; a key defined in two files is a load
// error. English is complete by definition; the other languages are
// checked against it by web's tests.
package i18n
