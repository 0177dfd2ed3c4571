package testutil

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PeakRSSMiB returns the peak resident set size (VmHWM) of process pid in
// MiB, or 0 when it cannot be read (not Linux, or the process is gone).
func PeakRSSMiB(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// NodePeakRSSMiB returns the largest peak resident set size among the node
// processes descended from this process: the jsii runtime that runs the
// cdktf libraries.
func NodePeakRSSMiB() float64 {
	return DescendantPeakRSSMiB(os.Getpid(), "node")
}

// DescendantPeakRSSMiB returns the largest peak resident set size among the
// processes named name (the kernel's comm) descended from root.
func DescendantPeakRSSMiB(root int, name string) float64 {
	parents, names := processTable()
	peak := 0.0
	for pid, n := range names {
		if n != name {
			continue
		}
		for p := parents[pid]; p > 1; p = parents[p] {
			if p == root {
				peak = max(peak, PeakRSSMiB(pid))
				break
			}
		}
	}
	return peak
}

// processTable reads every process's parent and name from /proc.
func processTable() (parents map[int]int, names map[int]string) {
	parents = map[int]int{}
	names = map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces.
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < 0 {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		parents[pid] = ppid
		names[pid] = s[open+1 : closing]
	}
	return parents, names
}
