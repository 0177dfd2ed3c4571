// Package bluegreen is one app released twice, as "blue" and "green": one
// Helm release of the http-echo chart per colour and one Service in front
// of both.
//
// Each release's name becomes its pods' version label, so the colours can
// be told apart by Istio; App hands the routing construct the subsets
// (colour name and labels) and the Service host it needs, so nothing is
// typed twice and labels and subsets cannot disagree.
package bluegreen
