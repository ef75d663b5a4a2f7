package exports

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Environments checks the caller's reach (tenant.Service does).
type Environments interface {
	GetEnvironment(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*tenant.Environment, error)
}

// Deps wire a Service.
type Deps struct {
	Store        Store
	Environments Environments
	Now          func() time.Time
	// Notify wakes the Runner after an export was created (nil: it finds
	// the job on its next poll).
	Notify func()
	// LinkKey signs download links (see LinkQuery); without one, links
	// are refused.
	LinkKey []byte
	// PreviousLinkKeys, derived from previous master secrets, still open
	// the links signed before a rotation.
	PreviousLinkKeys [][]byte
	// Retention is how long a finished export and its file are kept
	// (DefaultRetention when zero); PurgeExpired removes older ones.
	Retention time.Duration
}

// DefaultRetention keeps a finished export's file a week: long enough to
// fetch it again, short enough that users' data does not pile up in the
// database.
const DefaultRetention = 7 * 24 * time.Hour

// Service is the admin Exports API in Go.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Notify == nil {
		d.Notify = func() {}
	}
	if d.Retention <= 0 {
		d.Retention = DefaultRetention
	}
	return &Service{d: d}
}

// PurgeExpired deletes the exports that finished (completed or failed)
// more than Retention ago, with their files (background maintenance);
// pending ones are kept whatever their age. It returns how many.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	return s.d.Store.DeleteFinishedExports(ctx, s.d.Now().Add(-s.d.Retention))
}

// Input is what an operator asks for.
type Input struct {
	Format string
	Model  string
	Filter Filter
}

// ListLimit bounds GET …/exports: the newest this many.
const ListLimit = 100

// An export reads users' data: reading users is the scope it needs.
func (s *Service) env(ctx context.Context, p *tenant.Principal, envID string) error {
	_, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeUsersRead)
	return err
}

// modelScope checks the scope a model needs beyond env's (which checked the
// reach): an events export holds the Events API's data, so it takes that
// API's scope too.
func modelScope(p *tenant.Principal, model string) error {
	if model != ModelEvents {
		return nil
	}
	return p.RequireScope(tenant.ScopeEventsRead)
}

// Create queues an export; the Runner writes its file.
func (s *Service) Create(ctx context.Context, p *tenant.Principal, envID string, in Input) (*Export, error) {
	if err := s.env(ctx, p, envID); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := modelScope(p, in.Model); err != nil {
		return nil, err
	}
	e := &Export{ID: ids.New(), EnvironmentID: envID, Format: in.Format, Model: in.Model, Filter: in.Filter,
		Status: StatusPending, CreatedAt: s.d.Now().UTC().Truncate(time.Millisecond)}
	if err := s.d.Store.CreateExport(ctx, e, MaxPending); err != nil {
		return nil, err
	}
	s.d.Notify()
	return e, nil
}

func (in *Input) validate() error {
	switch in.Format {
	case FormatCSV, FormatJSON:
	case "":
		return errs.Invalid("format: is required (csv or json)")
	default:
		return errs.Invalid("format: must be csv or json, got %q", truncate(in.Format, 20))
	}
	if err := validModel("model", in.Model); err != nil {
		return err
	}
	if in.Filter.IsZero() {
		return nil
	}
	if in.Model != ModelUsers && in.Model != ModelVisits {
		return errs.Invalid("filter: only users and visits exports take a filter")
	}
	_, err := in.Filter.parse(in.Model)
	return err
}

func validModel(field, m string) error {
	switch m {
	case ModelUsers, ModelVisits, ModelWallets, ModelEvents:
		return nil
	case "":
		return errs.Invalid("%s: is required (users, visits, wallets or events)", field)
	}
	return errs.Invalid("%s: must be users, visits, wallets or events, got %q", field, truncate(m, 20))
}

// parse turns the filter into the users package's, as the users and
// visitors lists read it.
func (f Filter) parse(model string) (users.Filter, error) {
	if model == ModelVisits {
		return users.ParseVisitorFilter(f.Column, f.Value, f.Chain)
	}
	return users.ParseUserFilter(f.Column, f.Value, f.SocialProvider, f.Chain)
}

// List returns the environment's exports, newest first, of one model (""
// for all).
func (s *Service) List(ctx context.Context, p *tenant.Principal, envID, model string) ([]Export, error) {
	if err := s.env(ctx, p, envID); err != nil {
		return nil, err
	}
	if model != "" {
		if err := validModel("model", model); err != nil {
			return nil, err
		}
		if err := modelScope(p, model); err != nil {
			return nil, err
		}
	}
	list, err := s.d.Store.ListExports(ctx, envID, model, ListLimit)
	if err != nil || p.HasScope(tenant.ScopeEventsRead) {
		return list, err
	}
	// Without the events scope, the list of every model leaves the events
	// exports out.
	return slices.DeleteFunc(list, func(e Export) bool { return e.Model == ModelEvents }), nil
}

// Get returns one export of the environment.
func (s *Service) Get(ctx context.Context, p *tenant.Principal, envID, id string) (*Export, error) {
	if err := s.env(ctx, p, envID); err != nil {
		return nil, err
	}
	if !tenant.ValidID(id) {
		return nil, ErrNotFound
	}
	e, err := s.d.Store.GetExport(ctx, envID, id)
	if err != nil {
		return nil, err
	}
	if err := modelScope(p, e.Model); err != nil {
		return nil, err
	}
	return e, nil
}

// Open returns a completed export and a reader of its file, one chunk in
// memory at a time; ErrNotReady while it is pending or when it failed.
func (s *Service) Open(ctx context.Context, p *tenant.Principal, envID, id string) (*Export, io.Reader, error) {
	e, err := s.Get(ctx, p, envID, id)
	if err != nil {
		return nil, nil, err
	}
	if e.Status != StatusCompleted {
		return e, nil, ErrNotReady
	}
	return e, &chunkReader{ctx: ctx, store: s.d.Store, id: e.ID}, nil
}

// chunkReader reads an export's file chunk by chunk.
type chunkReader struct {
	ctx   context.Context
	store Store
	id    string
	seq   int
	buf   []byte
	done  bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		b, err := r.store.ReadChunk(r.ctx, r.id, r.seq)
		if err != nil {
			return 0, err
		}
		if b == nil {
			r.done = true
			continue
		}
		r.seq++
		r.buf = b
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
