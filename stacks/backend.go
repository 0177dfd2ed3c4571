package stacks

import (
	"os"
	"path/filepath"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// dummyCredential is the access key and secret handed to an AWS emulator
// (aws.localEndpoint). It is not a secret: emulators accept any value.
const dummyCredential = "test"

// backend configures where the stack named name keeps its state.
func backend(stack cdktf.TerraformStack, state State, aws AWS, name string) {
	switch s3 := state.S3; {
	case s3 != nil:
		cfg := &cdktf.S3BackendConfig{
			Bucket:  jsii.String(s3.Bucket),
			Key:     jsii.String(s3.KeyPrefix + "/" + name + ".tfstate"),
			Region:  jsii.String(s3.Region),
			Encrypt: jsii.Bool(s3.Encrypt),
		}
		if s3.KMSKeyID != "" {
			cfg.KmsKeyId = jsii.String(s3.KMSKeyID)
		}
		if s3.DynamoDBTable != "" {
			cfg.DynamodbTable = jsii.String(s3.DynamoDBTable)
		}
		if aws.Profile != "" {
			cfg.Profile = jsii.String(aws.Profile)
		}
		if ep := aws.LocalEndpoint; ep != "" {
			cfg.Endpoints = &cdktf.S3BackendEndpointConfig{
				S3: jsii.String(ep), Dynamodb: jsii.String(ep), Iam: jsii.String(ep), Sts: jsii.String(ep),
			}
			cfg.UsePathStyle = jsii.Bool(true)
			cfg.SkipCredentialsValidation = jsii.Bool(true)
			cfg.SkipRequestingAccountId = jsii.Bool(true)
			cfg.SkipMetadataApiCheck = jsii.Bool(true)
			cfg.SkipRegionValidation = jsii.Bool(true)
			cfg.AccessKey = jsii.String(dummyCredential)
			cfg.SecretKey = jsii.String(dummyCredential)
		}
		cdktf.NewS3Backend(stack, cfg)
		if s3.UseLockfile {
			// use_lockfile (Terraform 1.10+) is newer than cdktf's
			// S3BackendConfig.
			stack.AddOverride(jsii.String("terraform.backend.s3.use_lockfile"), true)
		}
	default:
		dir := state.LocalDir
		if dir == "" || !filepath.IsAbs(dir) {
			// Terraform runs in cdktf.out/stacks/<stack>; like cdktf, keep
			// state in the project folder (where the program runs), out of
			// the synthesized output.
			wd, _ := os.Getwd()
			dir = filepath.Join(wd, dir)
		}
		cdktf.NewLocalBackend(stack, &cdktf.LocalBackendConfig{
			Path: jsii.String(filepath.Join(dir, "terraform."+name+".tfstate")),
		})
	}
}
