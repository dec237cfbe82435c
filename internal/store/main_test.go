package store_test

import (
	"testing"

	"handover/internal/store/storetest"
)

// The templates the tests fill (storetest.Filled) are dropped at the end.
func TestMain(m *testing.M) { storetest.Main(m) }
