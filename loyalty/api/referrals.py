"""Referrals (`referrals`): who brought whom."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors as customer_selectors
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField

from .. import selectors, services
from ..models import Referral
from .common import JsonOnly, _Query


class ReferralSerializer(serializers.ModelSerializer):
    referrer_name = serializers.CharField(source="referrer.name", read_only=True)
    referred_name = serializers.CharField(source="referred.name", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "referrer",
            "referrer_name",
            "referred",
            "referred_name",
            "referred_on",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ReferralInputSerializer(serializers.Serializer):
    referrer = IdField()
    referred = IdField()
    referred_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("customer", int)]),
    create=extend_schema(request=ReferralInputSerializer, responses={201: ReferralSerializer}),
)
class ReferralViewSet(
    JsonOnly,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Who brought whom; the referred customer's purchases then earn the referrer credits."""

    permission_classes = [
        policy(read=roles.can_view_gold_programme, write=roles.can_manage_gold_cards)
    ]
    serializer_class = ReferralSerializer
    queryset = Referral.objects.none()

    def get_queryset(self) -> Any:
        query = _Query(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.referral_list(
            user=self.request.user, customer=query.validated_data.get("customer")
        )

    def get_object(self) -> Referral:
        referral = selectors.referral_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, referral)
        return referral

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReferralInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        referral = services.referral_create(
            actor=request.user,
            referrer=customer_selectors.customer_get(user=request.user, pk=data.pop("referrer")),
            referred=customer_selectors.customer_get(user=request.user, pk=data.pop("referred")),
            **data,
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)
