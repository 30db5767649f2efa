package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFlags(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-h"}, 0, "-tls-cert"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-addr", "nope"}, 2, "missing port"},
		{[]string{"-seed", "x"}, 2, "invalid value"},
		{[]string{"-tls-cert", "a.pem"}, 2, "go together"},
		{[]string{"-log-level", "loud"}, 2, "want debug"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"-profile", "/nonexistent.yaml"}, 2, "no such file"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, c.args, &out, &errb)
		assert.Equal(t, c.code, code, "%v: %s", c.args, errb.String())
		assert.Contains(t, errb.String(), c.want, "%v", c.args)
	}
}
