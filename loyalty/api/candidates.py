"""Gold-card candidates (`gold-candidates`): customers showing enough of the seven traits."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import QueryBooleanField

from .. import selectors
from ..models import GoldCard, Trait


class TraitSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Trait.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    met = serializers.BooleanField()
    computed = serializers.BooleanField(help_text="Shown by the data (else ticked by hand).")
    evidence = serializers.CharField()
    note = serializers.CharField(help_text="The archivist's note when he ticked it.")


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    trait_count = serializers.IntegerField()
    traits = TraitSerializer(many=True)
    card_state = serializers.ChoiceField(
        choices=GoldCard.State.choices,
        allow_null=True,
        help_text="Set when the customer already holds a live card (include_holders=true).",
    )


class _CandidateQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    include_holders = QueryBooleanField(required=False, default=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Name, pinyin or phone"),
            OpenApiParameter("include_holders", bool),
        ]
    )
)
class CandidateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers showing at least GOLD_CANDIDATE_MIN_TRAITS of the seven traits, with the
    evidence of each; key accounts are never candidates (archivist and executives)."""

    permission_classes = [
        policy(read=roles.can_view_gold_candidates, write=roles.can_manage_gold_cards)
    ]
    serializer_class = CandidateSerializer

    def get_queryset(self) -> Any:
        query = _CandidateQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.candidate_list(
            user=self.request.user,
            search=query.validated_data.get("search", ""),
            include_holders=query.validated_data["include_holders"],
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.attach_traits(list(page or []))
        return self.get_paginated_response(CandidateSerializer(rows, many=True).data)
