# Sourced by scripts/serve and scripts/test after scripts/_venv.sh: the settings of a
# development checkout, in .env (git-ignored), so that manage.py works here without exports.
# Written once, with a random SECRET_KEY; shuanglian/settings.py never reads it with DEBUG off.
if [ ! -e .env ]; then
    (
        umask 077
        key="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        printf '%s\n' \
            "# This checkout's development settings, beneath the environment's; never read" \
            "# with DEBUG off (shuanglian/settings.py). Written once by scripts/serve or test." \
            "DEBUG=true" \
            "SECRET_KEY=$key" >.env.new
        mv .env.new .env
    )
fi
