package signinexp

import "slices"

// ForIdentifiers narrows the sign-in methods to the identifier kinds an
// app asked for (Logto's identifier parameter), so the form's label, its
// input and the check of what is posted all follow the request. Kinds the
// settings do not offer are ignored; when none of the asked kinds is
// offered (or none is asked) the settings are returned unchanged. The
// receiver is not modified.
func (s Settings) ForIdentifiers(kinds []string) Settings {
	var methods []Method
	for _, m := range s.SignIn.Methods {
		if slices.Contains(kinds, m.Identifier) {
			methods = append(methods, m)
		}
	}
	if len(methods) == 0 {
		return s
	}
	s.SignIn.Methods = methods
	return s
}
