package mail

import (
	"context"
	"errors"
)

// Message is one email to send: the template named Template rendered in
// language Lang with Data, addressed to To.
type Message struct {
	To       string
	Lang     string
	Template string
	Data     map[string]any
}

// Sender delivers a Message. Send returns within the configured timeout;
// an error means the mail was not sent and the caller should ask the user
// to try again.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Template names.
const (
	RegisterCode    = "register_code"
	RegisterExists  = "register_exists"
	ResetCode       = "reset_code"
	SigninCode      = "signin_code"
	EmailChangeCode = "email_change_code"
)

// ErrInvalidAddress is returned for a recipient that is not one plain
// address (for example one carrying CR/LF, a display name or a list).
var ErrInvalidAddress = errors.New("mail: invalid recipient address")
