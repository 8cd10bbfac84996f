# Sourced by scripts/serve, scripts/test, scripts/production and .ci/run: the Debian packages
# the reports need, installed when missing. PDF reports are laid out by WeasyPrint, which
# draws text with Pango, in the Noto CJK fonts so that Chinese prints; the tests read the
# PDFs back with poppler's pdftotext and pdftoppm.
system_packages="libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils"
if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for package in $system_packages; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
            || missing="$missing $package"
    done
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ]; then
            as_root=""
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            as_root="sudo"
        else
            echo "shuanglian needs these Debian packages:$missing; install them with" >&2
            echo "  sudo apt-get install$missing" >&2
            exit 1
        fi
        echo "Installing Debian packages:$missing" >&2
        $as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $missing >/dev/null
    fi
else
    echo "Not a Debian machine: make sure Pango, the Noto CJK fonts and poppler-utils are installed." >&2
fi
