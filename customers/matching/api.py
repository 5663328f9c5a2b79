"""REST API of the review queue (`duplicates`) and of merges (`merges`): archivist only,
the same selectors and services as the browser."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer, CustomerRelation, DuplicateCandidate, MergeRecord
from dealercrm import roles
from dealercrm.api_permissions import policy
from dealercrm.api_support import IdField, ScopedObjectMixin

from . import selectors, services
from .merge import LOSER, SURVIVOR, MergePlan, merge_fields
from .reasons import reason_text


class CustomerBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "name_pinyin", "province", "city", "county", "address", "status"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    weight = serializers.FloatField(help_text="Its part of the score (log-odds).")
    params = serializers.DictField(child=serializers.CharField())
    text = serializers.SerializerMethodField()

    def get_text(self, obj: dict[str, Any]) -> str:
        return reason_text(obj)


class DuplicateSerializer(serializers.ModelSerializer):
    low = CustomerBriefSerializer(read_only=True)
    high = CustomerBriefSerializer(read_only=True)
    reasons = ReasonSerializer(many=True, read_only=True)
    decided_by: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = DuplicateCandidate
        fields = [
            "id",
            "low",
            "high",
            "score",
            "kind",
            "status",
            "reasons",
            "decided_by",
            "decided_at",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RelationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerRelation
        fields = ["id", "customer", "related", "note", "created_at"]
        read_only_fields = fields


class RelateResultSerializer(serializers.Serializer):
    duplicate = DuplicateSerializer()
    relation = RelationSerializer()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[*DuplicateCandidate.Status.values, "all"],
                description="Default: open",
            ),
            OpenApiParameter("kind", str, enum=DuplicateCandidate.Kind.values),
            OpenApiParameter("min_score", float, description="Only pairs scoring at least this"),
            OpenApiParameter("search", str, description="Name, pinyin or phone of either side"),
        ]
    ),
    dismiss=extend_schema(request=DecisionSerializer, responses=DuplicateSerializer),
    relate=extend_schema(request=DecisionSerializer, responses=RelateResultSerializer),
)
class DuplicateViewSet(
    ScopedObjectMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Candidate pairs with their score and reasons, best first. "Not a duplicate" is
    remembered until the data of one of the two customers changes."""

    # The queue and merges are the archivist's: everyone else gets 403, whatever the pair.
    permission_classes = [policy(read=roles.can_review_duplicates)]
    serializer_class = DuplicateSerializer
    queryset = DuplicateCandidate.objects.none()

    def get_queryset(self) -> Any:
        params = self.request.query_params
        # an empty value is the same as leaving the filter out, as on every other list
        wanted = params.get("status") or DuplicateCandidate.Status.OPEN
        if self.action != "list":
            wanted = "all"
        if wanted not in (*DuplicateCandidate.Status.values, "all"):
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        kind = params.get("kind", "")
        if kind and kind not in DuplicateCandidate.Kind.values:
            raise serializers.ValidationError({"kind": [_("Unknown kind.")]})
        try:
            min_score = float(params["min_score"]) if params.get("min_score") else None
        except ValueError as exc:
            raise serializers.ValidationError({"min_score": [_("A number.")]}) from exc
        return selectors.candidate_list(
            user=self.request.user,
            filters=selectors.CandidateFilters(
                status="" if wanted == "all" else wanted,
                kind=kind,
                min_score=min_score,
                search=params.get("search", ""),
            ),
        )

    def _decision(self, request: Request) -> str:
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return str(serializer.validated_data["note"])

    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: Any = None) -> Response:
        note = self._decision(request)
        candidate = services.candidate_dismiss(
            actor=request.user, candidate=self.get_object(), note=note
        )
        return Response(DuplicateSerializer(candidate).data)

    @action(detail=True, methods=["post"])
    def relate(self, request: Request, pk: Any = None) -> Response:
        note = self._decision(request)
        candidate = self.get_object()
        relation = services.candidate_relate(actor=request.user, candidate=candidate, note=note)
        candidate.refresh_from_db()
        return Response(
            {
                "duplicate": DuplicateSerializer(candidate).data,
                "relation": RelationSerializer(relation).data,
            }
        )


class MergeInputSerializer(serializers.Serializer):
    survivor = serializers.IntegerField(help_text="The customer to keep.")
    loser = serializers.IntegerField(help_text="The customer merged into it (kept as a tombstone).")
    candidate = serializers.PrimaryKeyRelatedField(
        queryset=DuplicateCandidate.objects.all(), required=False, allow_null=True
    )
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=[SURVIVOR, LOSER]),
        required=False,
        default=dict,
        help_text="Field name → 'survivor' or 'loser': whose value to keep. Unnamed fields "
        "keep the survivor's value unless it is empty. is_gold_card cannot be chosen: it "
        "follows the gold cards the survivor holds after the merge. Nor can is_key_account "
        "and is_benchmark: the survivor holds a flag when either customer held it (unless "
        "key_account_card is gold_card).",
    )
    keep_card = IdField(
        required=False,
        allow_null=True,
        help_text="When both customers hold a gold card (active or suspended): the id of "
        "the card to keep (required then, for the dry run too: without it the answer is 400 "
        '`{"keep_card": [...]}` naming both cards\' ids, and nothing is written). The other '
        'card is revoked, reason "合并重复客户：保留卡 JK…", and stays in its history; the '
        "credits of both customers stay with the survivor. Undo makes it live again. Sent "
        "when there is no such choice: 400.",
    )
    key_account_card = serializers.ChoiceField(
        choices=["key_account", "gold_card"],
        required=False,
        allow_null=True,
        help_text="When one of the two is a key account and either holds a live gold card "
        "(a key account is not offered one): `key_account` keeps the key account and revokes "
        'the live cards (reason "合并重复客户：大客户不发金卡"); `gold_card` keeps the card and '
        "clears the survivor's is_key_account. Required then (400 naming it otherwise, "
        "nothing written); 400 when there is no such choice. Undo restores cards and flag.",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Answer what would move; change nothing."
    )

    def _customer(self, pk: int) -> Customer:
        customer = Customer.all_objects.filter(pk=pk).first()
        if customer is None:
            raise serializers.ValidationError(_("No such customer."))
        return customer

    def validate_survivor(self, value: int) -> Customer:
        return self._customer(value)

    def validate_loser(self, value: int) -> Customer:
        return self._customer(value)

    def validate_choices(self, value: dict[str, str]) -> dict[str, str]:
        allowed = {f.name for f in merge_fields()}
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise serializers.ValidationError(
                _("Not a field that can be chosen: %(names)s") % {"names": ", ".join(unknown)}
            )
        return value


class MoveSerializer(serializers.Serializer):
    model = serializers.CharField()
    field = serializers.CharField()
    count = serializers.IntegerField()


class KeptSerializer(serializers.Serializer):
    model = serializers.CharField()
    field = serializers.CharField()
    pk = serializers.JSONField()
    reason = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    before = serializers.JSONField()
    after = serializers.JSONField()


class AnswerSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The choice asked for, e.g. keep_card.")
    value = serializers.JSONField(help_text="What was chosen (a card's id).")
    effect = serializers.CharField(help_text="What the choice does, as the archivist reads it.")


class MergePlanSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    survivor = serializers.IntegerField()
    loser = serializers.IntegerField()
    changes = serializers.DictField(child=ChangeSerializer())
    moves = MoveSerializer(many=True)
    kept = KeptSerializer(many=True)
    answers = AnswerSerializer(many=True)


class MovedSerializer(serializers.Serializer):
    model = serializers.CharField()
    field = serializers.CharField()
    pks = serializers.ListField(child=serializers.JSONField())


class MergeRecordSerializer(serializers.ModelSerializer):
    merged_by: serializers.Field = serializers.StringRelatedField()
    undone_by: serializers.Field = serializers.StringRelatedField()
    moved = MovedSerializer(many=True, read_only=True)
    kept = KeptSerializer(many=True, read_only=True)
    survivor_changes = serializers.DictField(child=serializers.ListField(), read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    undo_notes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = MergeRecord
        fields = [
            "id",
            "survivor",
            "loser",
            "candidate",
            "status",
            "merged_by",
            "merged_at",
            "survivor_changes",
            "moved",
            "kept",
            "answers",
            "undone_by",
            "undone_at",
            "undo_notes",
        ]
        read_only_fields = fields


def _plan_data(plan: MergePlan) -> dict[str, Any]:
    return {"dry_run": True, **plan.summary()}


@extend_schema_view(
    create=extend_schema(
        request=MergeInputSerializer,
        responses={201: MergeRecordSerializer, 200: MergePlanSerializer},
        description="Merge `loser` into `survivor`. With dry_run=true: 200 and what would "
        "move, nothing changed. When both customers hold a gold card, `keep_card` says which "
        "to keep; without it (or with a card that is not one of the two) the answer is 400 "
        "naming `keep_card`, and nothing is written. When a key account would end up "
        "holding a live gold card, `key_account_card` says which stays (400 naming it "
        "otherwise).",
    ),
    undo=extend_schema(request=None, responses=MergeRecordSerializer),
)
class MergeViewSet(
    ScopedObjectMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Merges, newest first: who, when, which rows moved; undo restores both customers."""

    permission_classes = [policy(read=roles.can_merge)]
    serializer_class = MergeRecordSerializer
    queryset = MergeRecord.objects.none()

    def get_queryset(self) -> Any:
        return selectors.merge_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answers = {
            key: data[key] for key in ("keep_card", "key_account_card") if data.get(key) is not None
        }
        if data["dry_run"]:
            plan = services.merge_preview(
                actor=request.user,
                survivor=data["survivor"],
                loser=data["loser"],
                choices=data["choices"],
                answers=answers,
            )
            return Response(_plan_data(plan))
        record = services.customer_merge(
            actor=request.user,
            survivor=data["survivor"],
            loser=data["loser"],
            choices=data["choices"],
            candidate=data.get("candidate"),
            answers=answers,
        )
        return Response(MergeRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: Any = None) -> Response:
        record = services.merge_undo(actor=request.user, record=self.get_object())
        return Response(MergeRecordSerializer(record).data)
