// Package eks is an AWS EKS cluster as one construct: a new VPC (or an
// existing one), the cluster and node IAM roles with only the AWS managed
// policies EKS needs, a KMS key of its own for secrets encryption, the
// control-plane log group, the cluster, managed node groups, the IAM OIDC
// provider for IAM roles for service accounts, pinned EKS add-ons and access
// entries.
//
// Defaults are safe: the private endpoint is on, the public endpoint is open
// only to the networks listed in Props.Endpoint.PublicAccessCIDRs, secrets
// are encrypted and the key rotates, and node-group desired sizes changed by
// an autoscaler are left alone.
package eks
