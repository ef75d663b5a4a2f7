package importer

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dynamicauth/dynamicauth/exports"
)

// NewFileSource reads a users file: a JSON array of records, or a CSV with
// a header row of exports.UserColumns names (in any order; other columns
// are ignored). The format is sniffed from the first byte.
func NewFileSource(r io.Reader) (Source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	skipped := 0 // lines before the CSV reader's first
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return empty{}, nil
			}
			return nil, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF: // whitespace, a UTF-8 BOM
			if c, _ := br.ReadByte(); c == '\n' {
				skipped++
			}
			continue
		case '[':
			dec := json.NewDecoder(br)
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("users file: %w", err)
			}
			return &jsonSource{dec: dec}, nil
		}
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1
		header, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("users file: the CSV header: %w", err)
		}
		known := 0
		for _, h := range header {
			for _, c := range exports.UserColumns {
				if h == c {
					known++
				}
			}
		}
		if known == 0 {
			return nil, fmt.Errorf("users file: the CSV header names none of the columns %v", exports.UserColumns)
		}
		return &csvSource{r: cr, header: header, skipped: skipped}, nil
	}
}

type empty struct{}

func (empty) Next(context.Context) (*exports.UserRecord, string, error) { return nil, "", io.EOF }

type csvSource struct {
	r       *csv.Reader
	header  []string
	skipped int // blank lines before the header
}

func (s *csvSource) Next(ctx context.Context) (*exports.UserRecord, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	row, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, "line " + strconv.Itoa(s.skipped+pe.StartLine), &BadRecord{Reason: pe.Err.Error()}
		}
		return nil, "", err
	}
	// The line the row starts on: a quoted cell may span lines.
	line, _ := s.r.FieldPos(0)
	where := "line " + strconv.Itoa(s.skipped+line)
	rec, err := exports.ParseUserRow(s.header, row)
	if err != nil {
		return nil, where, &BadRecord{Reason: err.Error()}
	}
	return &rec, where, nil
}

type jsonSource struct {
	dec *json.Decoder
	n   int
}

func (s *jsonSource) Next(ctx context.Context) (*exports.UserRecord, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if !s.dec.More() {
		return nil, "", io.EOF
	}
	s.n++
	where := "record " + strconv.Itoa(s.n)
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return nil, where, fmt.Errorf("users file, %s: %w", where, err)
	}
	var rec exports.UserRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, where, &BadRecord{Reason: err.Error()}
	}
	return &rec, where, nil
}
