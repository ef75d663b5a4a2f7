package sqlite

import "github.com/dynamicauth/dynamicauth/store"

var _ store.Store = (*Store)(nil)
