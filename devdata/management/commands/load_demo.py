from typing import Any

from django.core.management.base import BaseCommand

from devdata.demo import demo_is_loaded, ensure_demo_logins, load_demo


class Command(BaseCommand):
    help = "Load the Heze demo data (once) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded():
            self.stdout.write("演示数据已存在，未重复加载。")
        else:
            load_demo()
            self.stdout.write(self.style.SUCCESS("演示数据已加载。"))
        self.stdout.write("演示账号（登录 http://127.0.0.1:8000/ ）：")
        for login in ensure_demo_logins():
            self.stdout.write(f"  {login.role}: 用户名 {login.username}  密码 {login.password}")
