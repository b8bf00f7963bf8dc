"""Download each torch release's macOS arm64 wheel (small; Python sources are
platform-independent), extract only torch/**/*.py into src/<ver>/, delete wheel."""
import os, subprocess, sys, zipfile, glob, shutil
VERS = sys.argv[1:] or ["2.6.0","2.7.1","2.8.0","2.9.1","2.10.0","2.11.0","2.12.1","2.13.0","2.14.1","2.15.0"]
KEEP_PREFIX = ("torch/_dynamo/", "torch/compiler/", "torch/_inductor/", "torch/utils/_config_module.py",
               "torch/fx/", "torch/_guards.py", "torch/_utils_internal.py", "torch/_logging/",
               "torch/_functorch/", "torch/__init__.py", "torch/version.py", "torch/_subclasses/",
               "torch/_export/", "torch/export/", "torch/utils/_config_typing.pyi", "torch/_C/_dynamo/")
for v in VERS:
    dst = f"src/{v}"
    if os.path.isdir(dst):
        print("have", v); continue
    wd = f"wheels/{v}"; os.makedirs(wd, exist_ok=True)
    env = dict(os.environ, PIP_CONSTRAINT="/dev/null")
    r = subprocess.run([sys.executable, "-m", "pip", "download", f"torch=={v}", "--no-deps",
                        "--only-binary=:all:", "--platform", "macosx_14_0_arm64", "--python-version", "3.12",
                        "-d", wd], env=env, capture_output=True, text=True)
    whls = glob.glob(f"{wd}/*.whl")
    if not whls:
        print("FAIL", v, r.stdout[-500:], r.stderr[-1500:]); continue
    with zipfile.ZipFile(whls[0]) as z:
        n = 0
        for name in z.namelist():
            if name.startswith(KEEP_PREFIX) and (name.endswith(".py") or name.endswith(".pyi")):
                z.extract(name, dst); n += 1
    print(v, os.path.basename(whls[0]), n, "files")
    shutil.rmtree(wd)
