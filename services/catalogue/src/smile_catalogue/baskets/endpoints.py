from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from smile_catalogue.baskets import service
from smile_catalogue.baskets.schemas import BasketCreate, BasketItemAdd, BasketRead, BasketUpdate
from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import CurrentPrincipal

router = APIRouter(prefix="/baskets", tags=["baskets"])
_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


@router.post(
    "", operation_id="createBasket", status_code=status.HTTP_201_CREATED, response_model=BasketRead, responses=_ERRORS
)
async def create_basket(data: BasketCreate, session: SessionDep, principal: CurrentPrincipal) -> Any:
    """Start a basket (students): the terms of the stay, your languages and levels, your host faculty."""
    basket = await service.create_basket(session, principal, data)
    return (await service.evaluate(session, basket))[0]


@router.get("", operation_id="listBaskets", response_model=list[BasketRead], responses=_ERRORS)
async def list_baskets(session: SessionDep, principal: CurrentPrincipal) -> Any:
    """Your baskets (students), or every basket of the university (staff), newest first."""
    return [(await service.evaluate(session, b))[0] for b in await service.list_baskets(session, principal)]


@router.get("/{basket_id}", operation_id="getBasket", response_model=BasketRead, responses=_ERRORS)
async def get_basket(basket_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Any:
    """A basket with its courses and, rule by rule, what the university's checks say."""
    basket = await service.get_basket(session, principal, basket_id)
    return (await service.evaluate(session, basket))[0]


@router.patch("/{basket_id}", operation_id="updateBasket", response_model=BasketRead, responses=_ERRORS)
async def update_basket(
    basket_id: uuid.UUID, data: BasketUpdate, session: SessionDep, principal: CurrentPrincipal
) -> Any:
    """Change the terms, languages, host faculty or mobility of an open basket."""
    basket = await service.update_basket(session, principal, basket_id, data)
    return (await service.evaluate(session, basket))[0]


@router.put(
    "/{basket_id}/courses/{course_id}", operation_id="addBasketCourse", response_model=BasketRead, responses=_ERRORS
)
async def add_course(
    basket_id: uuid.UUID,
    course_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    data: Annotated[BasketItemAdd | None, Body()] = None,
) -> Any:
    """Put a published course in the basket (again: change its term). The answer carries the new checks."""
    term = data.term_code if data else None
    basket = await service.add_course(session, principal, basket_id, course_id, term)
    return (await service.evaluate(session, basket))[0]


@router.delete(
    "/{basket_id}/courses/{course_id}", operation_id="removeBasketCourse", response_model=BasketRead, responses=_ERRORS
)
async def remove_course(
    basket_id: uuid.UUID, course_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Any:
    """Take a course out of the basket."""
    basket = await service.remove_course(session, principal, basket_id, course_id)
    return (await service.evaluate(session, basket))[0]


@router.post("/{basket_id}/submit", operation_id="submitBasket", response_model=BasketRead, responses=_ERRORS)
async def submit_basket(basket_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Any:
    """Submit the basket: it becomes the first draft of your learning agreement's table A.

    A check whose severity is `error` refuses the submission (409 `basket-not-valid`, with the checks);
    warnings travel with it (``catalogue.basket.submitted.v1``).
    """
    return await service.submit(session, principal, basket_id)


@router.post("/{basket_id}/reopen", operation_id="reopenBasket", response_model=BasketRead, responses=_ERRORS)
async def reopen_basket(basket_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Any:
    """Take a submitted basket back to change it (``catalogue.basket.reopened.v1``); submit it again after."""
    basket = await service.reopen(session, principal, basket_id)
    return (await service.evaluate(session, basket))[0]
