from django import forms
from django.contrib.auth import get_user_model

from outreach.models import Channel, Scope
from tracker.models import AdministrativeUnit, Department


class EndpointForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices)
    scope = forms.ChoiceField(label="接收方", choices=Scope.choices)
    unit = forms.ModelChoiceField(label="县(市、区)", queryset=AdministrativeUnit.objects.all(), required=False)
    department = forms.ModelChoiceField(label="市直部门", queryset=Department.objects.all(), required=False)
    user = forms.ModelChoiceField(label="个人", queryset=get_user_model().objects.order_by("username"),
                                  required=False)
    label = forms.CharField(label="名称", max_length=100)
    address = forms.CharField(label="手机号或邮箱", max_length=200, required=False)
    token_env = forms.CharField(label="密钥环境变量名", max_length=100, required=False,
                                help_text="企业微信 webhook key 或钉钉 access_token 所在的环境变量，"
                                          "如 YIHONG_WECOM_KEY_HOUMA")
    secret_env = forms.CharField(label="加签密钥环境变量名", max_length=100, required=False,
                                 help_text="仅钉钉：SEC 开头的加签密钥所在的环境变量")
