/** What other modules may use of the customers module. */
export { customers, type Customer } from './customers.schema';
export { findCustomer, requireCustomer, SIMILAR } from './customers.lookup';
