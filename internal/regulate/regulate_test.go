package regulate_test

import (
	"testing"
	"time"

	"github.com/sesameauth/sesame/internal/regulate"
	"github.com/sesameauth/sesame/internal/store/sqlstore/sqlitetest"
)

func TestTake(t *testing.T) {
	st := sqlitetest.Open(t)
	clock := time.Unix(1800000000, 0)
	l := &regulate.Limiter{Store: st, Now: func() time.Time { return clock }}
	perAddr := regulate.Rule{Name: "to", Limit: 2, Window: time.Hour}
	perIP := regulate.Rule{Name: "ip", Limit: 3, Window: time.Hour}
	take := func(addr, ip string) regulate.Decision {
		t.Helper()
		d, err := l.Take(t.Context(), regulate.Limit{Rule: perAddr, Subject: addr}, regulate.Limit{Rule: perIP, Subject: ip})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for i := range 2 {
		if d := take("a@x", "1.1.1.1"); !d.OK {
			t.Fatalf("send %d refused: %+v", i+1, d)
		}
	}
	d := take("a@x", "1.1.1.1")
	if d.OK || d.Rule != "to" || d.RetryAfter(clock) != "3600" {
		t.Fatalf("third send to one address = %+v (Retry-After %s), want refused by the address rule", d, d.RetryAfter(clock))
	}
	// Another address from the same IP: the IP's third slot.
	if d := take("b@x", "1.1.1.1"); !d.OK {
		t.Fatalf("other address refused: %+v", d)
	}
	if d := take("c@x", "1.1.1.1"); d.OK || d.Rule != "ip" {
		t.Fatalf("fourth send from one IP = %+v, want refused by the IP rule", d)
	}
	// Another IP is not affected; the next window allows again.
	if d := take("c@x", "2.2.2.2"); !d.OK {
		t.Fatalf("other IP refused: %+v", d)
	}
	clock = clock.Add(time.Hour)
	if d := take("a@x", "1.1.1.1"); !d.OK {
		t.Fatalf("next window refused: %+v", d)
	}
}
