package web_test

import (
	"testing"

	"handover/internal/web/webtest"
)

// The tests over the whole demo prefecture each get a copy of one load.
func TestMain(m *testing.M) { webtest.Main(m) }
