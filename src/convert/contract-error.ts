/** A violation of the ONNX export contract (docs/onnx-contract.md), naming the tensor, shape, op or key at fault. */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}
