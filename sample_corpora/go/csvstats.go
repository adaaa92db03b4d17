// Command csvstats prints per-column statistics (count, mean, min, max,
// standard deviation, median) for the numeric columns of a CSV file.
//
//	csvstats -delim ';' -skip-bad mesures_été.csv
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

type column struct {
	name    string
	values  []float64
	invalid int
}

func (c *column) add(raw string) {
	raw = strings.TrimSpace(strings.ReplaceAll(raw, ",", "."))
	if raw == "" {
		return
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) {
		c.invalid++
		return
	}
	c.values = append(c.values, v)
}

type summary struct {
	count                    int
	mean, min, max, std, p50 float64
}

func summarize(values []float64) (summary, bool) {
	if len(values) == 0 {
		return summary{}, false
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)

	// Welford's online algorithm: numerically stable mean and variance.
	var mean, m2 float64
	for i, x := range values {
		delta := x - mean
		mean += delta / float64(i+1)
		m2 += delta * (x - mean)
	}
	s := summary{
		count: len(values),
		mean:  mean,
		min:   sorted[0],
		max:   sorted[len(sorted)-1],
	}
	if len(values) > 1 {
		s.std = math.Sqrt(m2 / float64(len(values)-1))
	}
	mid := len(sorted) / 2
	if len(sorted)%2 == 0 {
		s.p50 = (sorted[mid-1] + sorted[mid]) / 2
	} else {
		s.p50 = sorted[mid]
	}
	return s, true
}

func readColumns(r io.Reader, delim rune, skipBad bool) ([]*column, int, error) {
	reader := csv.NewReader(r)
	reader.Comma = delim
	reader.FieldsPerRecord = -1
	reader.ReuseRecord = true

	header, err := reader.Read()
	if err != nil {
		return nil, 0, fmt.Errorf("reading header: %w", err)
	}
	cols := make([]*column, len(header))
	for i, name := range header {
		cols[i] = &column{name: strings.TrimPrefix(name, "\ufeff")}
	}

	rows := 0
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if skipBad && errors.As(err, &perr) {
				fmt.Fprintf(os.Stderr, "csvstats: skipping line %d: %v\n", perr.Line, perr.Err)
				continue
			}
			return nil, rows, err
		}
		rows++
		for i := 0; i < len(record) && i < len(cols); i++ {
			cols[i].add(record[i])
		}
	}
	return cols, rows, nil
}

func main() {
	delim := flag.String("delim", ",", "field delimiter (one character)")
	skipBad := flag.Bool("skip-bad", false, "skip malformed lines instead of failing")
	flag.Parse()

	if flag.NArg() != 1 || len([]rune(*delim)) != 1 {
		fmt.Fprintln(os.Stderr, "usage: csvstats [-delim X] [-skip-bad] FILE.csv")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "csvstats:", err)
		os.Exit(1)
	}
	defer f.Close()

	cols, rows, err := readColumns(f, []rune(*delim)[0], *skipBad)
	if err != nil {
		fmt.Fprintln(os.Stderr, "csvstats:", err)
		os.Exit(1)
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "column\tn\tmean\tstd\tmin\tmedian\tmax\tinvalid\t")
	for _, c := range cols {
		s, ok := summarize(c.values)
		if !ok {
			continue // not a numeric column
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t\n",
			c.name, s.count, s.mean, s.std, s.min, s.p50, s.max, c.invalid)
	}
	tw.Flush()
	fmt.Printf("%d rows ✓\n", rows)
}
