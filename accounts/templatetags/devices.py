from django import template

from accounts.devices import device_name

register = template.Library()

register.filter("device_name", device_name)
