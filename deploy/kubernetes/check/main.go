// Command check renders the Kubernetes layout as `kubectl apply -k` would
// (kustomize), for the base and each overlay, and decodes every object
// strictly into its Kubernetes type: an unknown field, a value of the
// wrong type or an unknown kind fails, as the API server would refuse
// it. It then checks what the layout promises (docs/reliability.md):
// three replicas that never drop below two, probes on /readyz and
// /healthz, limits, non-root and read-only, secrets from a Secret.
//
//	cd deploy/kubernetes/check && go run .
//
// It is a module of its own, so the bot's build does not carry
// kustomize and the Kubernetes types.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// layouts are the kustomizations to render, from this directory.
var layouts = []string{"../base", "../managed-redis"}

func main() {
	var errs []error
	for _, dir := range layouts {
		objs, err := render(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dir, err))
			continue
		}
		for _, err := range checkLayout(objs) {
			errs = append(errs, fmt.Errorf("%s: %w", dir, err))
		}
		fmt.Printf("%s: %d objects, all valid\n", filepath.Clean(dir), len(objs))
	}
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, errors.Join(errs...))
		os.Exit(1)
	}
}

// object is one rendered object, decoded into its type.
type object struct {
	kind, name string
	value      any
}

// render builds dir with kustomize and decodes each object strictly.
func render(dir string) ([]object, error) {
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	out, err := resources.AsYaml()
	if err != nil {
		return nil, err
	}
	var objs []object
	for _, doc := range bytes.Split(out, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, err
		}
		var v any
		switch meta.Kind {
		case "Deployment":
			v = &appsv1.Deployment{}
		case "StatefulSet":
			v = &appsv1.StatefulSet{}
		case "Service":
			v = &corev1.Service{}
		case "ConfigMap":
			v = &corev1.ConfigMap{}
		case "Secret":
			v = &corev1.Secret{}
		case "PodDisruptionBudget":
			v = &policyv1.PodDisruptionBudget{}
		case "Ingress":
			v = &networkingv1.Ingress{}
		default:
			return nil, fmt.Errorf("%s %s: a kind this check does not know; add it", meta.Kind, meta.Metadata.Name)
		}
		if err := yaml.UnmarshalStrict(doc, v); err != nil {
			return nil, fmt.Errorf("%s %s: %w", meta.Kind, meta.Metadata.Name, err)
		}
		objs = append(objs, object{kind: meta.Kind, name: meta.Metadata.Name, value: v})
	}
	return objs, nil
}

// checkLayout checks the promises of the bot's Deployment and its
// disruption budget.
func checkLayout(objs []object) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var dep *appsv1.Deployment
	var pdb *policyv1.PodDisruptionBudget
	for _, o := range objs {
		switch v := o.value.(type) {
		case *appsv1.Deployment:
			if o.name == "seatwarden" {
				dep = v
			}
		case *policyv1.PodDisruptionBudget:
			if o.name == "seatwarden" {
				pdb = v
			}
		}
	}
	if dep == nil || pdb == nil {
		return []error{errors.New("no seatwarden Deployment and PodDisruptionBudget")}
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 3 {
		fail("the Deployment runs fewer than three replicas")
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 2 {
		fail("the disruption budget lets fewer than two replicas serve")
	}
	pod := dep.Spec.Template.Spec
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		fail("the pod may run as root")
	}
	if len(pod.Containers) != 1 {
		return append(errs, fmt.Errorf("the pod has %d containers, want the bot alone", len(pod.Containers)))
	}
	c := pod.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		fail("no readiness probe on /readyz")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		fail("no liveness probe on /healthz")
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		fail("no memory request and limit")
	}
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		fail("the root filesystem is writable")
	}
	secret := false
	for _, from := range c.EnvFrom {
		secret = secret || from.SecretRef != nil && from.SecretRef.Name == "seatwarden-secrets"
	}
	if !secret {
		fail("secrets do not come from the seatwarden-secrets Secret")
	}
	for _, e := range c.Env {
		if strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "TOKEN") || strings.HasSuffix(e.Name, "_KEY") {
			fail("%s is set in the manifest; secrets belong in the Secret", e.Name)
		}
	}
	return errs
}
