"""The lifecycle of an endpoint, free of Pulumi: what create, update and delete do on the API.

* `ownership`: the hidden tags that tell an endpoint this resource made from anyone else's;
* `catalogue`: the hardware a namespace is offered, checked before a create, and quotas explained;
* `create`: the POST, answers lost on the way, taking over or adopting an endpoint found under the
  name, and the cleanup of only what the call itself made;
* `converge`: PUT, pause, resume and scale to zero with conflicts waited out, and delete;
* `declaration`: what check fills in for a declaration, and what diff decides from two;
* `outputs`: the outputs of a resource, from its declared inputs and the endpoint's JSON.

`pulumi_huggingface.provider` turns Pulumi's calls into these. Nothing here imports Pulumi, so each
module runs against the emulator directly. This package imports none of its modules on import:
`pulumi_huggingface.schema` imports `ownership` while the others import `schema`.
"""
