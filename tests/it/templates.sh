#!/usr/bin/env bash
# templates/: render every manifest, parse it, check it, then break copies
# on purpose (the mistakes from the seeds) and make sure the checker fails.
# Single quotes below hold literal ${KEY} markers and perl $1: no expansion wanted.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
RENDER=templates/render
CHECK=templates/check
tmp=$(mktemp -d "${TMPDIR:-/tmp}/templates-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { # description, command...: the command must succeed
	local what=$1; shift
	if "$@" >"$tmp/last.out" 2>&1; then ok "$what"; else
		not_ok "$what"; sed 's/^/#   /' "$tmp/last.out"; fi
}

if ! "$PY" -c 'import yaml' 2>/dev/null; then
	not_ok "PyYAML for $PY is missing: apt-get install -y python3-yaml"
	exit 1
fi

# --- render ---------------------------------------------------------------
out=$tmp/out
check "render fills every template with templates/values.example.env" \
	"$RENDER" --values templates/values.example.env --out "$out"
n_tpl=$(find templates -name '*.yaml' | wc -l)
n_out=$(find "$out" -name '*.yaml' | wc -l)
if [ "$n_tpl" -gt 0 ] && [ "$n_tpl" -eq "$n_out" ]; then ok "render wrote all $n_tpl templates"
else not_ok "render wrote $n_out of $n_tpl templates"; fi
if grep -rn '\${' "$out" >"$tmp/left"; then not_ok "placeholders left after render: $(head -3 "$tmp/left")"
else ok "no \${...} marker is left in the rendered files"; fi

"$PY" tests/lib/templates_expect.py "$out" templates/values.example.env ||
	not_ok "templates_expect.py failed on the example values (exit $?)"

# templates/check keeps its own copy of initc's profile names and the
# Seldon v2 capability lists (it runs where initc is not installed): they
# must be the very lists initc has.
INITC=${INITC:-build/initc}
if "$INITC" servers --json >"$tmp/servers.json" 2>"$tmp/servers.err"; then
	"$PY" - "$CHECK" "$tmp/servers.json" >"$tmp/drift.out" 2>&1 <<'PYEOF'
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader("tcheck", sys.argv[1])
spec = importlib.util.spec_from_loader("tcheck", loader)
mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
d = json.load(open(sys.argv[2]))
bad = 0
names = {s["name"] for s in d["servers"]}
if names != mod.INITC_SERVERS:
    print("INITC_SERVERS differs: only in initc %s, only in templates/check %s"
          % (sorted(names - mod.INITC_SERVERS), sorted(mod.INITC_SERVERS - names)))
    bad = 1
for server, caps in d["seldon_v2_capabilities"].items():
    mine = mod.SERVERCONFIGS[server]["capabilities"].split(",")
    if mine != caps:
        print("%s capabilities differ: initc %s, templates/check %s" % (server, caps, mine))
        bad = 1
v2 = {s["name"] for s in d["servers"] if s["family"] == "mlserver"}
if v2 != set(mod.INITC_V2_PROFILES):
    print("INITC_V2_PROFILES differs from initc's mlserver family: only in initc %s, only in "
          "templates/check %s" % (sorted(v2 - set(mod.INITC_V2_PROFILES)),
                                  sorted(set(mod.INITC_V2_PROFILES) - v2)))
    bad = 1
for fmt, profiles in mod.KSERVE_FORMAT_PROFILES.items():
    if not profiles <= names:
        print("KSERVE_FORMAT_PROFILES[%s] names unknown profiles %s" % (fmt, sorted(profiles - names)))
        bad = 1
sys.exit(bad)
PYEOF
	if [ $? -eq 0 ]; then ok "templates/check knows exactly initc's profiles and capability lists"; else
		not_ok "templates/check and initc disagree: $(head -3 "$tmp/drift.out")"; fi
else
	not_ok "initc servers --json failed: $(head -2 "$tmp/servers.err")"
fi

# The example values name a Seldon Core release initc knows: the rendered
# Secret's INITC_SERVER must be one initc accepts.
ver=$(sed -n 's/^SELDON_CORE_VERSION=//p' templates/values.example.env)
if "$INITC" servers MLFLOW_SERVER | grep -q "^$ver "; then
	ok "SELDON_CORE_VERSION=$ver is a release initc knows"; else
	not_ok "SELDON_CORE_VERSION=$ver is not in initc servers MLFLOW_SERVER"; fi

# The probes in the prebaked manifests are the ones prebake writes: Seldon
# v1's exactly; Seldon v2's Server the same but for the port, which is the
# ServerConfig's named server-http (MLServer's 9000 there, 8080 alone).
PREBAKE=${PREBAKE:-build/prebake}
if "$PREBAKE" tests/fixtures/prebake/mlflow2-virtualenv/model --target seldon -q -o "$tmp/pb-seldon" &&
	"$PREBAKE" tests/fixtures/prebake/mlflow2-virtualenv/model --target mlserver -q -o "$tmp/pb-mlserver"; then
	"$PY" - "$out" "$tmp" >"$tmp/probes.out" 2>&1 <<'PYEOF'
import sys, yaml
out, tmp = sys.argv[1], sys.argv[2]
def containers(path):
    for doc in yaml.safe_load_all(open(path)):
        stack = [doc]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                if "startupProbe" in x:
                    yield x
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)
def portless(probe):
    probe = yaml.safe_load(yaml.safe_dump(probe))
    probe.get("httpGet", {}).pop("port", None)
    return probe
bad = 0
want = yaml.safe_load(open(tmp + "/pb-seldon/probes.yaml"))
found = list(containers(out + "/seldon-v1/30-sdep-prebaked.yaml"))
for c in found:
    for k in ("startupProbe", "readinessProbe", "livenessProbe"):
        if c.get(k) != want[k]:
            print("seldon-v1 %s differs from prebake's: %s vs %s" % (k, c.get(k), want[k])); bad = 1
want = yaml.safe_load(open(tmp + "/pb-mlserver/probes.yaml"))
for folder in ("centralized", "per-namespace"):
    for c in containers("%s/seldon-v2/%s/20-server.yaml" % (out, folder)):
        found.append(c)
        if portless(c["startupProbe"]) != portless(want["startupProbe"]):
            print("seldon-v2/%s startupProbe differs from prebake's" % folder); bad = 1
if len(found) < 3:
    print("expected probes in 3 manifests, found %d" % len(found)); bad = 1
sys.exit(bad)
PYEOF
	if [ $? -eq 0 ]; then ok "the prebaked manifests carry the probes prebake writes"; else
		not_ok "probes differ from prebake's: $(head -3 "$tmp/probes.out")"; fi
else
	not_ok "prebake failed on the mlflow2-virtualenv fixture"
fi

# The command a template's comment tells users to run must be one initc
# takes: run each (on a local MLflow folder instead of the bucket).
grep -rh '^#   initc ' "$out" | sed 's/^#   initc //' | sort -u >"$tmp/cmds"
if [ -s "$tmp/cmds" ]; then
	while read -r -a words; do
		words[-1]=tests/fixtures/models/xgboost
		check "the command in a template comment works: initc ${words[*]}" "$INITC" "${words[@]}"
	done <"$tmp/cmds"
else
	not_ok "no initc command found in the template comments"
fi

for folder in seldon-v1 kserve seldon-v2/centralized seldon-v2/per-namespace; do
	check "check passes on rendered $folder" "$CHECK" "$out/$folder"
done
check "check passes on seldon-v1 and kserve applied together" "$CHECK" "$out/seldon-v1" "$out/kserve"

# Other values, so nothing above passes by being hard-coded.
sed -e 's/^MODEL_NAME=.*/MODEL_NAME=wine-quality/' -e 's/^MODEL_PATH=.*/MODEL_PATH=wine\/7/' \
	-e 's#^S3_ENDPOINT=.*#S3_ENDPOINT=https://s3.example.org#' -e 's/^S3_HOST=.*/S3_HOST=s3.example.org/' \
	-e 's/^S3_USE_HTTPS=.*/S3_USE_HTTPS=1/' -e 's/^SELDON_NAMESPACE=.*/SELDON_NAMESPACE=team-b/' \
	-e 's/^SELDON_CONTROLLER_NAMESPACE=.*/SELDON_CONTROLLER_NAMESPACE=seldon-ctl/' \
	templates/values.example.env >"$tmp/other.env"
check "render with other values" "$RENDER" --values "$tmp/other.env" --out "$tmp/other"
"$PY" tests/lib/templates_expect.py "$tmp/other" "$tmp/other.env" ||
	not_ok "templates_expect.py failed on other values (exit $?)"
check "check passes on everything but the two v2 patterns rendered with other values" \
	"$CHECK" "$tmp/other/seldon-v1" "$tmp/other/kserve"
check "check passes on per-namespace rendered with other values" "$CHECK" "$tmp/other/seldon-v2/per-namespace"

check "render of one folder writes only that folder" \
	"$RENDER" --values templates/values.example.env --out "$tmp/only" seldon-v1
if [ -z "$(find "$tmp/only" -name '*.yaml' ! -path '*/seldon-v1/*')" ] &&
	[ -n "$(find "$tmp/only/seldon-v1" -name '*.yaml')" ]; then ok "only seldon-v1 was written"
else not_ok "render of seldon-v1 wrote other folders too"; fi

render_fails() { # description, expected message, values file, [extra args...]
	local what=$1 want=$2 values=$3; shift 3
	rm -rf "$tmp/bad-out"
	"$RENDER" --values "$values" --out "$tmp/bad-out" "$@" >"$tmp/render.out" 2>&1
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$tmp/render.out" && [ ! -e "$tmp/bad-out" ]; then
		ok "render refuses $what"
	else
		not_ok "render refuses $what (rc=$rc, want 2, message containing '$want', nothing written)"
		sed 's/^/#   /' "$tmp/render.out"
	fi
}
grep -v '^S3_REGION=' templates/values.example.env >"$tmp/missing.env"
render_fails "a missing value" 'placeholder ${S3_REGION} has no value' "$tmp/missing.env"
sed 's/^MODEL_BUCKET=/MODEL_BUKET=/' templates/values.example.env >"$tmp/typo.env"
render_fails "an unknown key (typo)" 'MODEL_BUKET is used by no template' "$tmp/typo.env"
sed 's/^S3_REGION=.*/S3_REGION=/' templates/values.example.env >"$tmp/empty.env"
render_fails "an empty value" 'S3_REGION is empty' "$tmp/empty.env"
cp -r templates "$tmp/tpl"
sed -i 's/name: ${MODEL_NAME}$/name: ${model_name}/' "$tmp/tpl/kserve/20-inferenceservice.yaml"
render_fails "a malformed placeholder" 'malformed placeholder ${model_name}' \
	templates/values.example.env --templates "$tmp/tpl"
rm -rf "$tmp/tpl"; cp -r templates "$tmp/tpl"
sed -i 's/replicas: 1$/replicas: ${SCHEDULER_REPLICAS}/' "$tmp/tpl/seldon-v2/per-namespace/05-seldonruntime.yaml"
render_fails "a placeholder the values file does not know" '${SCHEDULER_REPLICAS} has no value' \
	templates/values.example.env --templates "$tmp/tpl"

# --- broken copies must fail the checker ------------------------------------
n=0
broken() { # description, expected message, file (relative to $out), perl substitution, [extra check paths...]
	local what=$1 want=$2 file=$3 subst=$4; shift 4
	n=$((n + 1))
	local copy=$tmp/broken$n
	cp -r "$out" "$copy"
	perl -0pi -e "$subst" "$copy/$file"
	if cmp -s "$out/$file" "$copy/$file"; then
		not_ok "broken copy ($what): the mutation changed nothing, fix the test"; return
	fi
	local folder=${file%/*} paths=() p
	for p in "$@"; do paths+=("$copy/$p"); done
	[ ${#paths[@]} -eq 0 ] && paths=("$copy/$folder")
	"$CHECK" "${paths[@]}" >"$tmp/check.out" 2>&1
	local rc=$?
	if [ "$rc" -eq 10 ] && grep -qF -- "$want" "$tmp/check.out"; then
		ok "check rejects $what"
	else
		not_ok "check rejects $what (rc=$rc, want 10 and '$want')"
		sed 's/^/#   /' "$tmp/check.out"
	fi
}

v1=seldon-v1 ks=kserve cen=seldon-v2/centralized per=seldon-v2/per-namespace
broken "the scikit-learn requirement" "'scikit-learn' (did you mean 'sklearn'?)" \
	$per/30-model.yaml 's/- mlflow/- scikit-learn/'
broken "a declared provision-location volume" "declares volume classifier-provision-location" \
	$v1/30-sdep-prebaked.yaml 's/(\n        containers:)/\n        volumes:\n        - name: classifier-provision-location\n          emptyDir: {}$1/'
broken "a hand-written model-initializer init container" "declares init container classifier-model-initializer" \
	$v1/30-sdep-prebaked.yaml 's/(\n        containers:)/\n        initContainers:\n        - name: classifier-model-initializer\n          image: example\/init:1$1/'
broken "a remote named MYS3 for an s3:// URI" "is read as rclone remote 's3'" \
	$v1/00-secret-s3.yaml 's/RCLONE_CONFIG_S3_/RCLONE_CONFIG_MYS3_/g'
broken "envSecretRefName naming no Secret" "envSecretRefName initc-s4: no such Secret" \
	$v1/20-sdep-mlflow-initc.yaml 's/envSecretRefName: initc-s3/envSecretRefName: initc-s4/'
broken "INITC_SERVER disagreeing with the graph" "runs MLFLOW_SERVER but its Secret initc-s3 sets INITC_SERVER=XGBOOST_SERVER" \
	$v1/00-secret-s3.yaml 's/INITC_SERVER: MLFLOW_SERVER/INITC_SERVER: XGBOOST_SERVER/'
broken "an unknown INITC_SERVER profile" "INITC_SERVER=SCIKIT_LEARN_SERVER:1.17.1 is not an initc profile" \
	$v1/00-secret-s3.yaml 's/INITC_SERVER: MLFLOW_SERVER/INITC_SERVER: SCIKIT_LEARN_SERVER/'
broken "an INITC_SERVER release that is no image tag" "after the ':' comes the release of the server's image" \
	$v1/00-secret-s3.yaml 's/INITC_SERVER: MLFLOW_SERVER:1.17.1/INITC_SERVER: MLFLOW_SERVER:latest/'
broken "a wrongly cased rclone provider" "write Minio" \
	$v1/00-secret-s3.yaml 's/PROVIDER: Minio/PROVIDER: minio/'
broken "an endpoint without scheme" "has no scheme" \
	$v1/00-secret-s3.yaml 's#ENDPOINT: http://#ENDPOINT: #'
broken "storageInitializer that is not JSON" "data.storageInitializer is not JSON" \
	$v1/10-seldon-config-storage-initializer.yaml 's/"memoryLimit": "1Gi"\n    \}/"memoryLimit": "1Gi"/'
broken "storageInitializer without memoryLimit" "lacks memoryLimit" \
	$v1/10-seldon-config-storage-initializer.yaml 's/,\n\s*"memoryLimit": "1Gi"//'
broken "a 600 s initialDelaySeconds" "livenessProbe.initialDelaySeconds=600" \
	$v1/30-sdep-prebaked.yaml 's/(livenessProbe:\n)/${1}            initialDelaySeconds: 600\n/'
broken "a probe on a port the container lacks" "probes port 8080, which the container does not expose" \
	$per/20-server.yaml 's/port: server-http/port: 8080/'
broken "a Seldon v1 probe on a port the wrapper does not serve" "readinessProbe probes port 9001" \
	$v1/30-sdep-prebaked.yaml 's/(readinessProbe:\n\s+httpGet:\n\s+path: \S+\n\s+port: )9000/${1}9001/'
broken "a Server container that would be added, not overridden" "podSpec container mlserve is not a container of ServerConfig mlserver" \
	$cen/20-server.yaml 's/- name: mlserver\n/- name: mlserve\n/'
broken "a Model naming no Server" "spec.server mlserver-prebakd: no such Server" \
	$cen/30-model.yaml 's/server: mlserver-prebaked/server: mlserver-prebakd/'
broken "a v2 rclone remote not named like the URI scheme" "needs an rclone remote named 's3'" \
	$cen/10-secret-rclone.yaml 's/name: s3\n/name: mys3\n/'
broken "a per-namespace runtime with its scheduler at 0 replicas" "split brain" \
	$per/05-seldonruntime.yaml 's/replicas: 1/replicas: 0/'
broken "the centralized and per-namespace folders applied together" "mixes the centralized and the per-namespace pattern" \
	$per/00-namespace.yaml 's/^/# both folders\n/' $cen $per
broken "a SeldonRuntime added to the centralized folder's namespace twice" "second SeldonRuntime in namespace" \
	$per/05-seldonruntime.yaml 's/$/\n---\napiVersion: mlops.seldon.io\/v1alpha1\nkind: SeldonRuntime\nmetadata:\n  name: seldon-2\n  namespace: team-a\nspec:\n  seldonConfig: default\n/'
broken "an ExternalName alias to a central scheduler" "ExternalName alias" \
	$per/00-namespace.yaml 's/$/\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: seldon-scheduler\n  namespace: team-a\nspec:\n  type: ExternalName\n  externalName: seldon-scheduler.seldon-system.svc.cluster.local\n/'
broken "centralized objects spread over two namespaces" "found several: other, seldon-mesh" \
	$cen/30-model.yaml 's/namespace: seldon-mesh/namespace: other/'
broken "a Model without storageUri" "missing spec.storageUri (required by the Model CRD)" \
	$cen/30-model.yaml 's/  storageUri: .*\n//'
broken "a SeldonDeployment predictor without graph name" "missing spec.predictors[0].graph.name" \
	$v1/20-sdep-mlflow-initc.yaml 's/      name: classifier\n//'
broken "an unknown apiVersion" "unknown apiVersion/kind machinelearning.seldon.io/v2 SeldonDeployment" \
	$v1/20-sdep-mlflow-initc.yaml 's#machinelearning.seldon.io/v1#machinelearning.seldon.io/v2#'
broken "a namespaced object without namespace" "no metadata.namespace" \
	$v1/00-secret-s3.yaml 's/  namespace: .*\n//'
broken "a namespace on a cluster-scoped object" "ClusterStorageContainer is cluster-scoped" \
	$ks/10-clusterstoragecontainer.yaml 's/(  name: initc-s3\n)/${1}  namespace: models\n/'
broken "an upper-case object name" "is not a valid Kubernetes name" \
	$ks/20-inferenceservice.yaml 's/name: iris/name: Iris/'
broken "YAML that does not parse" "not valid YAML" \
	$ks/20-inferenceservice.yaml 's/modelFormat:/modelFormat: [/'
broken "an InferenceService model without modelFormat" "missing spec.predictor.model.modelFormat" \
	$ks/20-inferenceservice.yaml 's/      modelFormat:\n        name: mlflow\n//'
broken "a requirement no Server offers when the Model names no server" "no Server in namespace team-a offers every requirement" \
	$per/30-model.yaml 's/  server: mlserver-prebaked\n//; s/- mlflow/- tensorflow/'
broken "a storage container not named storage-initializer" "KServe only recognises storage-initializer" \
	$ks/10-clusterstoragecontainer.yaml 's/name: storage-initializer/name: initc/'
broken "an s3:// URI no ClusterStorageContainer routes to initc" "no ClusterStorageContainer here claims s3://" \
	$ks/10-clusterstoragecontainer.yaml 's#prefix: s3://#prefix: gs://#'
broken "a modelFormat the cluster-wide INITC_SERVER does not fit" "whose INITC_SERVER=mlserver-mlflow checks for another server" \
	$ks/20-inferenceservice.yaml 's/name: mlflow/name: sklearn/'
broken "a serviceAccountName naming no ServiceAccount" "serviceAccountName kserve-s4: no such ServiceAccount" \
	$ks/20-inferenceservice.yaml 's/serviceAccountName: kserve-s3/serviceAccountName: kserve-s4/'
broken "a KServe endpoint annotation with a scheme" "must be host:port without scheme" \
	$ks/00-secret-s3.yaml 's#s3-endpoint: #s3-endpoint: http://#'
broken "s3-usehttps disagreeing with the rclone endpoint" 's3-usehttps=1 but' \
	$ks/00-secret-s3.yaml 's/s3-usehttps: "0"/s3-usehttps: "1"/' $ks $v1

# Seldon v2: ServerConfig mlserver-initc, initc as the rclone sidecar.
sc=15-serverconfig-initc.yaml
add_sidecar_env() { # perl substitution that sets the ServerConfig's rclone container NAME (it has) to VALUE
	printf 's/(      - name: %s( .*)?\n        value: )\S+\n/${1}%s\n/' "$1" "$2"
}
broken "a ServerConfig container without name" "missing spec.podSpec.containers[0].name (required by the ServerConfig CRD)" \
	$cen/$sc 's/\n      name: rclone\n/\n/'
broken "a Server naming a ServerConfig that exists nowhere" "serverConfig mlserver-initcc is neither a ServerConfig shipped with Seldon" \
	$cen/20-server.yaml 's/serverConfig: mlserver-initc/serverConfig: mlserver-initcc/'
broken "a ServerConfig that replaces Helm's mlserver" "replaces the ServerConfig mlserver that Helm" \
	$cen/$sc 's/name: mlserver-initc/name: mlserver/'
broken "ServerConfigs in two namespaces" "ServerConfigs in several namespaces (seldon-mesh, seldon-system)" \
	$per/$sc 's/namespace: seldon-mesh/namespace: seldon-system/' $cen $per
broken "a ServerConfig in the per-namespace runtime's namespace" "is in namespace team-a, which has its own SeldonRuntime" \
	$per/$sc 's/namespace: seldon-mesh/namespace: team-a/'
broken "a ServerConfig without rclone container" "has no container named rclone" \
	$cen/$sc 's/\n      name: rclone\n/\n      name: rclone-initc\n/'
broken "an initc rclone container without command and args" "has no args, so nothing runs \`rclone rcd\`" \
	$cen/$sc 's/- args:\n      - rcd\n(      - --\S+\n)+      command:\n      - rclone\n      env:/- env:/'
broken "rclone args without rcd" "not \`rclone rcd\`" \
	$cen/$sc 's/      - rcd\n/      - serve\n/'
broken "rclone args without --rc-no-auth" "lacks --rc-no-auth" \
	$per/$sc 's/      - --rc-no-auth\n//'
broken "rclone listening on another port than the agent calls" "--rc-addr=0.0.0.0:5573: the agent calls port 5572" \
	$cen/$sc 's/--rc-addr=0.0.0.0:5572/--rc-addr=0.0.0.0:5573/'
broken "rclone readiness probe on another port" "readinessProbe checks port 5573, but the rc API the agent calls is on 5572" \
	$cen/$sc 's/tcpSocket:\n          port: 5572/tcpSocket:\n          port: 5573/'
broken "an rclone --config in no mounted or image directory" "--config=/etc/rclone/rclone.conf: rclone writes the agent's remotes there" \
	$per/$sc 's#- --config=/rclone/rclone.conf#- --config=/etc/rclone/rclone.conf#'
broken "rclone not seeing the agent's volume" "does not mount volume mlserver-models at /mnt/agent as container agent does" \
	$cen/$sc 's/(- mountPath: \/mnt\/agent\n\s+name: )mlserver-models/${1}scratch/'
broken "an unknown INITC_SERVER on the sidecar" "container rclone env INITC_SERVER=mlserver-scikit is not an initc profile" \
	$cen/$sc "$(add_sidecar_env INITC_SERVER mlserver-scikit)"
broken "a Seldon v1 profile on a Core 2 sidecar" "INITC_SERVER=MLFLOW_SERVER on the rclone sidecar of a Core 2 mlserver Server" \
	$cen/$sc "$(add_sidecar_env INITC_SERVER MLFLOW_SERVER)"
broken "INITC_SERVER on the sidecar of a Triton server" "on the rclone sidecar of a Core 2 triton Server" \
	$per/$sc "$(add_sidecar_env INITC_SERVER mlserver-mlflow)"'; s/(name: SELDON_SERVER_TYPE\n\s+value: )mlserver/${1}triton/'
broken "a sidecar INITC_SERVER that does not fit the Model" "rclone sidecar checks every model as mlserver-sklearn (INITC_SERVER)" \
	$cen/$sc "$(add_sidecar_env INITC_SERVER mlserver-sklearn)"
broken "a Server's own sidecar INITC_SERVER that does not fit the Model" "checks every model as mlserver-xgboost" \
	$per/20-server.yaml 's/(    containers:\n)/${1}    - name: rclone\n      env:\n      - name: INITC_SERVER\n        value: mlserver-xgboost\n/'
# ... and the one that fits passes.
cp -r "$out" "$tmp/fits"
perl -0pi -e "$(add_sidecar_env INITC_SERVER mlserver-mlflow)" "$tmp/fits/$cen/$sc"
if grep -q 'value: mlserver-mlflow' "$tmp/fits/$cen/$sc"; then
	check "check passes with INITC_SERVER=mlserver-mlflow on the sidecar of an mlflow Model's Server" \
		"$CHECK" "$tmp/fits/$cen"
else not_ok "the INITC_SERVER=mlserver-mlflow copy was not made, fix the test"; fi
# The whole Core 2 Servers fit any Model on their kind of Server.
cp -r "$out" "$tmp/fits2"
perl -0pi -e "$(add_sidecar_env INITC_SERVER mlserver:1.6.1)" "$tmp/fits2/$cen/$sc"
perl -0pi -e "$(add_sidecar_env INITC_SERVER triton)"'; s/(name: SELDON_SERVER_TYPE\n\s+value: )mlserver/${1}triton/' \
	"$tmp/fits2/$per/$sc"
if grep -q 'value: mlserver:1.6.1' "$tmp/fits2/$cen/$sc" && grep -q 'value: triton' "$tmp/fits2/$per/$sc"; then
	check "check passes with INITC_SERVER=mlserver:1.6.1 on an mlserver sidecar" "$CHECK" "$tmp/fits2/$cen"
	check "check passes with INITC_SERVER=triton on a triton sidecar" "$CHECK" "$tmp/fits2/$per"
else not_ok "the INITC_SERVER=mlserver / triton copies were not made, fix the test"; fi
broken "a Core 2 Server profile on the other kind's sidecar" "INITC_SERVER=triton on the rclone sidecar of a Core 2 mlserver Server: that profile judges models for another server; use mlserver, mlserver-lightgbm" \
	$cen/$sc "$(add_sidecar_env INITC_SERVER triton)"

"$CHECK" >/dev/null 2>&1; rc=$?
if [ "$rc" -eq 2 ]; then ok "check without arguments is a usage error (2)"; else not_ok "check without arguments exits $rc, want 2"; fi
"$CHECK" "$tmp/nonexistent" >/dev/null 2>&1; rc=$?
if [ "$rc" -eq 2 ]; then ok "check of a missing path is a usage error (2)"; else not_ok "check of a missing path exits $rc, want 2"; fi

echo "# $failures failed"
[ "$failures" -eq 0 ]
