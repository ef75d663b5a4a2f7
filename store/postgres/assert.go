package postgres

import (
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/store"
)

var _ store.Store = (*Store)(nil)

var _ ratelimit.Store = (*Store)(nil)
