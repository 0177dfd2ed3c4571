package addon_test

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bluegreen-mesh/bluegreen/constructs/addon"
)

func TestNamesSecret(t *testing.T) {
	for key, want := range map[string]bool{
		// Keys that hold a secret.
		"password": true, "adminPassword": true, "admin_password": true, "PASSWORD": true, "passwd": true,
		"passphrase": true, "keyPassphrase": true, "pass_phrase": true,
		"secret": true, "client_secret": true, "clientSecret": true, "clientsecret": true, "secretKey": true,
		"token": true, "authToken": true, "auth-token": true, "accessToken": true, "bearerToken": true,
		"privateKey": true, "private_key": true, "privatekey": true,
		"apiKey": true, "api_key": true, "X-Api-Key": true, "APIKey": true, "apikeys": true,
		"credentials": true, "credential": true, "awsCreds": true,
		"secretAccessKey": true, "aws_secret_access_key": true, "AWS_SECRET_ACCESS_KEY": true,
		// Keys that name a secret kept elsewhere, or hold no secret.
		"secretName": false, "credentialName": false, "passwordKey": false, "existingSecret": false,
		"useExistingSecret": false, "passwordSecretKey": false, "tokenFile": false, "key": false,
		"publicKey": false, "accessKey": false, "accessKeyId": false, "keySecret": true, "tokens": true, "strategy": false, "": false,
	} {
		if got := addon.NamesSecret(key); got != want {
			t.Errorf("NamesSecret(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	const planted = "planted-5d1e"
	p := field.NewPath("context", "environments").Key("qa").Child("kiali", "extraValues")
	fvs := []addon.FieldValues{{Path: p, Values: map[string]any{
		"auth": map[string]any{"openid": map[string]any{"client_secret": planted, "client_id": "kiali"}},
		"deployment": map[string]any{"secretName": "kiali", "env": []any{
			map[string]any{"name": "X", "password": planted},
			map[string]any{"name": "Y", "password": map[string]any{"fromVariable": "y_password"}},
		}},
		"login": map[string]any{"token": map[string]any{"fromVariable": "1bad"}},
		"empty": map[string]any{"password": "", "token": true},
		"pin":   map[string]any{"passphrase": float64(1234)},
	}}}
	const how = `the value is written in plain text into the synthesized JSON (and from there into CI logs, plans and state); give it at deploy time instead: {"fromVariable": "%s"} as the value passes the sensitive Terraform variable %s (TF_VAR_%s when deploying) through the release's set_sensitive`
	hows := func(v string) string { return strings.ReplaceAll(how, "%s", v) }

	errs, warnings := addon.CheckSecrets(fvs, false)
	wantErrs := []string{
		`context.environments[qa].kiali.extraValues.login.token.fromVariable: Invalid value: "1bad": must be a Terraform variable name: letters, digits and '_', starting with a letter or '_', at most 64 characters`,
	}
	wantWarnings := []string{
		"context.environments[qa].kiali.extraValues.auth.openid.client_secret: a literal secret: " + hows("client_secret") + "; in a production environment this is an error",
		"context.environments[qa].kiali.extraValues.deployment.env[0].password: a literal secret: " + hows("password") + "; in a production environment this is an error",
		"context.environments[qa].kiali.extraValues.pin.passphrase: a literal secret: " + hows("passphrase") + "; in a production environment this is an error",
	}
	if got := errStrings(errs); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", got, wantErrs)
	}
	if !reflect.DeepEqual(warnings, wantWarnings) {
		t.Errorf("warnings:\n got %q\nwant %q", warnings, wantWarnings)
	}

	errs, warnings = addon.CheckSecrets(fvs, true)
	wantErrs = []string{
		"context.environments[qa].kiali.extraValues.auth.openid.client_secret: Forbidden: a literal secret in a production environment: " + hows("client_secret"),
		"context.environments[qa].kiali.extraValues.deployment.env[0].password: Forbidden: a literal secret in a production environment: " + hows("password"),
		"context.environments[qa].kiali.extraValues.pin.passphrase: Forbidden: a literal secret in a production environment: " + hows("passphrase"),
	}
	got := errStrings(errs)
	if len(got) != 4 || !reflect.DeepEqual(got[1:], wantErrs) {
		t.Errorf("production errors:\n got %q\nwant the fromVariable error, then %q", got, wantErrs)
	}
	if len(warnings) > 0 {
		t.Errorf("production warnings: %q, want none", warnings)
	}
	for _, s := range append(got, warnings...) {
		if strings.Contains(s, planted) {
			t.Errorf("a problem prints the secret: %s", s)
		}
	}
}

func errStrings(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestSplitSensitive(t *testing.T) {
	values := map[string]any{
		"auth":  map[string]any{"openid": map[string]any{"client_secret": map[string]any{"fromVariable": "kiali_secret"}, "client_id": "kiali"}},
		"env":   []any{"a", map[string]any{"fromVariable": "b_value"}},
		"a.b":   map[string]any{"token": map[string]any{"fromVariable": "dotted"}},
		"plain": 1,
	}
	rest, sensitive, err := addon.SplitSensitive(values)
	if err != nil {
		t.Fatal(err)
	}
	wantRest := map[string]any{
		"auth":  map[string]any{"openid": map[string]any{"client_id": "kiali"}},
		"env":   []any{"a", ""},
		"a.b":   map[string]any{},
		"plain": 1,
	}
	if !reflect.DeepEqual(rest, wantRest) {
		t.Errorf("values: got %v\nwant %v", rest, wantRest)
	}
	wantSensitive := []addon.SensitiveValue{
		{Path: `a\.b.token`, Variable: "dotted"},
		{Path: "auth.openid.client_secret", Variable: "kiali_secret"},
		{Path: "env[1]", Variable: "b_value"},
	}
	if !reflect.DeepEqual(sensitive, wantSensitive) {
		t.Errorf("sensitive: got %v\nwant %v", sensitive, wantSensitive)
	}
	if _, ok := values["auth"].(map[string]any)["openid"].(map[string]any)["client_secret"]; !ok {
		t.Errorf("SplitSensitive changed its argument: %v", values)
	}
	if got := sensitive[1].Reference(); got != "${var.kiali_secret}" {
		t.Errorf("Reference: got %s", got)
	}

	_, _, err = addon.SplitSensitive(map[string]any{"x": map[string]any{"fromVariable": "v", "other": 1}})
	if want := `values.x: Invalid value: ["fromVariable","other"]: a {"fromVariable": "<name>"} value holds that one key only`; err == nil || err.Error() != want {
		t.Errorf("got error %v\nwant %s", err, want)
	}
}
